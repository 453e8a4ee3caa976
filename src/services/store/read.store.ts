import type { MikroORM } from '@mikro-orm/core';
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
 * many rows per channel however long a user stays away (ReadStore.states); a client shows "999+" from there.
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

  /** The user's read position in the channel (0 before the first mark). */
  async position(userId: string, channelId: string): Promise<number> {
    const [row] = await this.sql.rows<{ seq: number | string }>(
      'select seq from read_positions where user_id = ? and channel_id = ?',
      [userId, channelId],
    );
    return row ? Number(row.seq) : 0;
  }

  /**
   * The user's read state in each of these channels, in two queries whatever their number: the positions, then one
   * count per channel over a range of the messages' `(channel_id, seq)` index from a bound given as a value (a bound
   * computed in SQL from another table is filtered row by row on MariaDB, over the whole channel). Channels that do
   * not exist are missing from the map.
   */
  async states(userId: string, channelIds: readonly string[]): Promise<Map<string, ReadState>> {
    if (channelIds.length === 0) return new Map();
    const positions = await this.sql.rows<{ id: string; last_seq: number | string; read_seq: number | string | null }>(
      `select c.id, c.last_seq, r.seq as read_seq
       from channels c left join read_positions r on r.channel_id = c.id and r.user_id = ?
       where c.id in (${channelIds.map(() => '?').join(', ')})`,
      [userId, ...channelIds],
    );
    const read = positions.map((row) => {
      const readSeq = Number(row.read_seq ?? 0);
      const lastSeq = Number(row.last_seq);
      return { id: row.id, readSeq, lastSeq, from: Math.max(readSeq, lastSeq - UNREAD_SCAN) };
    });
    const unread = new Map<string, number>();
    // Channels read to their end have nothing to count.
    const counted = read.filter((c) => c.from < c.lastSeq);
    if (counted.length > 0) {
      const rows = await this.sql.rows<{ id: string; n: number | string }>(
        counted
          .map(
            () =>
              `select ? as id, count(*) as n from messages
               where channel_id = ? and seq > ? and kind = 'USER' and deleted_at is null
                 and (sender_id is null or sender_id <> ?)`,
          )
          .join(' union all '),
        counted.flatMap((c) => [c.id, c.id, c.from, userId]),
      );
      for (const row of rows) unread.set(row.id, Number(row.n));
    }
    return new Map(read.map((c) => [c.id, { lastReadSeq: c.readSeq, unreadCount: unread.get(c.id) ?? 0 }]));
  }
}
