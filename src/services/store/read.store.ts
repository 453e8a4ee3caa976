import type { MikroORM } from '@mikro-orm/core';
import { greatest } from './dialect';
import { PlainSql } from './plain-sql';

/** A viewer's read position in a channel and what is unread after it. */
export interface ReadState {
  /** The seq of the newest message the viewer marked read; 0 before the first markRead. */
  lastReadSeq: number;
  /** USER messages by others after `lastReadSeq`, counted among the channel's newest {@link UNREAD_SCAN} seqs. */
  unreadCount: number;
}

/**
 * How far back an unread count looks: the channel's newest 1,000 seqs. Counting costs an index range of at most this
 * many rows per channel however long a user stays away; a client shows "999+" from there.
 */
export const UNREAD_SCAN = 1000;

/** The SQL of read positions (`read_positions`) and the unread counts read from them. */
export class ReadStore {
  private readonly sql: PlainSql;

  constructor(orm: MikroORM) {
    this.sql = new PlainSql(orm);
  }

  /**
   * Moves the user's position in the channel forward to `seq`, in one atomic statement: of two marks at once, the
   * higher wins whatever their order; a lower seq than the stored one changes nothing (but the time of the mark).
   */
  async advance(userId: string, channelId: string, seq: number, now: Date): Promise<void> {
    const conflict =
      this.sql.dialect === 'mysql'
        ? 'on duplicate key update seq = greatest(seq, values(seq)), updated_at = values(updated_at)'
        : 'on conflict (user_id, channel_id) do update set seq = max(seq, excluded.seq), updated_at = excluded.updated_at';
    await this.sql.rows(
      `insert into read_positions (user_id, channel_id, seq, updated_at) values (?, ?, ?, ?) ${conflict}`,
      [userId, channelId, seq, this.sql.date(now)],
    );
  }

  /**
   * The user's read state in each of these channels, in one query (each count a range of the messages' `(channel,
   * seq)` index); channels that do not exist are missing from the map.
   */
  async states(userId: string, channelIds: readonly string[]): Promise<Map<string, ReadState>> {
    if (channelIds.length === 0) return new Map();
    const from = greatest(this.sql.dialect, 'coalesce(r.seq, 0)', `c.last_seq - ${UNREAD_SCAN}`);
    const rows = await this.sql.rows<{ id: string; read_seq: number | string; unread: number | string }>(
      `select c.id, coalesce(r.seq, 0) as read_seq,
         (select count(*) from messages m
          where m.channel_id = c.id and m.seq > ${from} and m.kind = 'USER' and m.sender_id <> ?) as unread
       from channels c left join read_positions r on r.channel_id = c.id and r.user_id = ?
       where c.id in (${channelIds.map(() => '?').join(', ')})`,
      [userId, userId, ...channelIds],
    );
    return new Map(rows.map((row) => [row.id, { lastReadSeq: Number(row.read_seq), unreadCount: Number(row.unread) }]));
  }
}
