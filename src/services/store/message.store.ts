import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { MessageKind, type ChannelKind, type SystemEvent } from '../../entities';
import { notFound } from '../../errors';
import { isChannelId } from '../channel-access';
import type { MessageView } from '../views';
import { dateColumn, forUpdate, onlyIndex } from './dialect';
import { PlainSql, type Statement, type Step } from './plain-sql';
import { timeOrderedId } from '../../entities/ids';

/** A channel row read under its lock, as storing a message needs it. */
export interface LockedChannel {
  id: string;
  kind: ChannelKind;
  ownerId: string | null;
  lastSeq: number;
}

/** What a send must know of the sender's earlier sends: the message stored under a clientMessageId, if any. */
export interface EarlierSend {
  id: string;
  channelId: string;
  seq: number;
  body: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  rev: number;
}

/**
 * The channel sequence: the one mechanism that gives a message its seq. Seqs are taken only from channels that the
 * storing transaction has locked ({@link MessageStore.lockChannels}), one after another from `last_seq + 1`, and
 * {@link ChannelSequence.advance} writes each channel's new `last_seq` in that same transaction. The lock is held to
 * the commit, so two transactions never take the same seq, and a rollback gives the seqs back with the messages:
 * seq is gap-free per channel, USER and SYSTEM messages alike.
 */
export class ChannelSequence {
  private readonly last = new Map<string, number>();
  private readonly moved = new Set<string>();

  constructor(locked: Iterable<LockedChannel>) {
    for (const channel of locked) this.last.set(channel.id, channel.lastSeq);
  }

  /** The next seq of a locked channel. @throws Error for a channel this transaction has not locked. */
  next(channelId: string): number {
    const last = this.last.get(channelId);
    if (last === undefined) throw new Error(`ChannelSequence: channel ${channelId} is not locked`);
    this.last.set(channelId, last + 1);
    this.moved.add(channelId);
    return last + 1;
  }

  /** The statement that moves `last_seq` of every channel that took seqs (none when none did). */
  advance(): Statement[] {
    const moved = [...this.moved];
    if (moved.length === 0) return [];
    return [
      {
        sql: `update channels set last_seq = case id ${moved.map(() => 'when ? then ?').join(' ')} end where id in (${marks(moved)})`,
        params: [...moved.flatMap((id) => [id, this.last.get(id)]), ...moved],
      },
    ];
  }
}

/**
 * The SQL of the messages table family (messages, the channels' `last_seq`, the memberships a send checks) on the
 * hot paths: the send path and the SYSTEM messages of channel changes. Statements are built here and run by the
 * caller's PlainSql transaction, so one transaction may hold several families' statements; entities and this store
 * write the same columns, which the tests of both stores read back.
 */
export class MessageStore {
  private readonly sql: PlainSql;

  constructor(orm: MikroORM) {
    this.sql = new PlainSql(orm);
  }

  /** Runs `work` in a transaction of as few round trips as the database allows (PlainSql.transaction). */
  transaction<T>(work: (step: Step) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /**
   * Locks channel rows in id order (so transactions of several instances cannot deadlock on them) and reads what
   * storing a message needs; read its rows with {@link lockedChannels}.
   */
  lockChannels(ids: string[]): Statement {
    const sorted = [...ids].sort();
    return {
      sql: `select id, kind, owner_id, last_seq from channels where id in (${marks(sorted)}) order by id${forUpdate(this.sql.dialect)}`,
      params: sorted,
    };
  }

  /** Locks user rows in id order: the senders' locks make the send rate exact across transactions. */
  lockUsers(ids: string[]): Statement {
    const sorted = [...ids].sort();
    return {
      sql: `select id from users where id in (${marks(sorted)}) order by id${forUpdate(this.sql.dialect)}`,
      params: sorted,
    };
  }

  /** Which of these users are members of which of these channels; read its rows with {@link memberKeys}. */
  memberships(channelIds: string[], userIds: string[]): Statement {
    return {
      sql: `select channel_id, user_id from memberships where channel_id in (${marks(channelIds)}) and user_id in (${marks(userIds)})`,
      params: [...channelIds, ...userIds],
    };
  }

  /**
   * The times of these senders' messages after `since`; read its rows with {@link sendTimes}. A range of the
   * (sender_id, created_at) index, named so that MySQL does not price the (sender_id, client_message_id) one too
   * ({@link onlyIndex}).
   */
  sendsSince(senderIds: string[], since: Date): Statement {
    const index = onlyIndex(this.sql.dialect, 'messages_sender_id_created_at_index');
    return {
      sql: `select sender_id, created_at from messages${index} where sender_id in (${marks(senderIds)}) and created_at > ?`,
      params: [...senderIds, this.sql.date(since)],
    };
  }

  /** One multi-row insert of messages, unpublished. */
  insert(messages: MessageView[]): Statement {
    return {
      sql: `insert into messages (id, channel_id, seq, kind, body, sender_id, system_event, client_message_id, created_at) values ${messages
        .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      params: messages.flatMap((m) => [
        m.id,
        m.channelId,
        m.seq,
        m.kind,
        m.body,
        m.sender?.id ?? null,
        m.systemEvent,
        m.clientMessageId,
        this.sql.date(m.createdAt),
      ]),
    };
  }

  /**
   * The messages already stored under these (sender, clientMessageId) pairs; read its rows with
   * {@link earlierSends}. One exact lookup of the unique index per pair, as a UNION ALL, which MySQL reads at once.
   * As a range (a row-value IN over the pairs) it would also price the (sender_id, created_at) index, reading the
   * pages of each sender's range there: about 8 page reads per send once it outgrew the buffer pool (bench/RESULTS.md,
   * "Growth"; see {@link onlyIndex}). A batch has at most 200 sends; SQLite takes up to 500 SELECTs in one UNION.
   */
  earlierSends(pairs: { senderId: string; clientMessageId: string }[]): Statement {
    return {
      sql: pairs
        .map(
          () =>
            'select id, sender_id, client_message_id, channel_id, seq, body, created_at, edited_at, deleted_at, rev from messages where sender_id = ? and client_message_id = ?',
        )
        .join(' union all '),
      params: pairs.flatMap((pair) => [pair.senderId, pair.clientMessageId]),
    };
  }

  /**
   * The messages of a channel with `after < seq <= upTo`, in seq order, at most `limit`, with their senders: what a
   * subscriber behind the live feed reads, a page at a time, as it replays (and a feed reads to fill a gap). Plain
   * rows: hydrating a page of 100 as entities cost 3-8 ms, most of a replay's time (bench/RESULTS.md, "Resume").
   */
  async between(channelId: string, after: number, upTo: number, limit: number): Promise<MessageView[]> {
    const rows = await this.sql.rows<MessageRow>(
      `select m.id, m.channel_id, m.seq, m.kind, m.body, m.system_event, m.client_message_id, m.created_at,
         m.edited_at, m.deleted_at, m.rev, m.sender_id, u.display_name as sender_name
       from messages m left join users u on u.id = m.sender_id
       where m.channel_id = ? and m.seq > ? and m.seq <= ?
       order by m.seq
       limit ?`,
      [channelId, after, upTo, limit],
    );
    return rows.map(messageRowView);
  }

  /**
   * Appends a SYSTEM message inside the transaction `em` has open: locks the channel row, takes its next seq
   * ({@link ChannelSequence}) and inserts the message unpublished. The lock is held to the caller's commit, and the
   * message is handed to StoredMessages only after it.
   *
   * @throws DomainError NOT_FOUND when the channel does not exist.
   */
  async appendSystemMessage(
    em: EntityManager,
    channelId: string,
    systemEvent: SystemEvent,
    body: string,
    now: Date,
  ): Promise<MessageView> {
    if (!isChannelId(channelId)) throw notFound();
    const step = this.sql.within(em);
    const [rows] = await step([this.lockChannels([channelId])]);
    const [channel] = lockedChannels(rows);
    if (!channel) throw notFound();
    const sequence = new ChannelSequence([channel]);
    const message: MessageView = {
      id: timeOrderedId(),
      channelId,
      seq: sequence.next(channelId),
      kind: MessageKind.SYSTEM,
      body,
      sender: null,
      systemEvent,
      clientMessageId: null,
      createdAt: now,
      editedAt: null,
      deletedAt: null,
      rev: 0,
    };
    await step([this.insert([message]), ...sequence.advance()]);
    return message;
  }
}

/** A DATETIME as a driver returns it (see dateColumn). */
type RawDate = Date | number | string;

/** A row of {@link MessageStore.between}. */
interface MessageRow {
  id: string;
  channel_id: string;
  seq: number | string;
  kind: MessageKind;
  body: string;
  system_event: SystemEvent | null;
  client_message_id: string | null;
  created_at: RawDate;
  edited_at: RawDate | null;
  deleted_at: RawDate | null;
  rev: number | string;
  sender_id: string | null;
  sender_name: string | null;
}

const messageRowView = (row: MessageRow): MessageView => ({
  id: row.id,
  channelId: row.channel_id,
  seq: Number(row.seq),
  kind: row.kind,
  body: row.body,
  sender: row.sender_id === null ? null : { id: row.sender_id, displayName: row.sender_name ?? '' },
  systemEvent: row.system_event,
  clientMessageId: row.client_message_id,
  createdAt: dateColumn(row.created_at),
  editedAt: row.edited_at === null ? null : dateColumn(row.edited_at),
  deletedAt: row.deleted_at === null ? null : dateColumn(row.deleted_at),
  rev: Number(row.rev),
});

/** The rows of {@link MessageStore.lockChannels}. */
export const lockedChannels = (rows: unknown[]): LockedChannel[] =>
  (rows as { id: string; kind: ChannelKind; owner_id: string | null; last_seq: number | string }[]).map((row) => ({
    id: row.id,
    kind: row.kind,
    ownerId: row.owner_id,
    lastSeq: Number(row.last_seq),
  }));

/** The rows of {@link MessageStore.memberships}, as `channelId userId` keys. */
export const memberKeys = (rows: unknown[]): Set<string> =>
  new Set((rows as { channel_id: string; user_id: string }[]).map((row) => `${row.channel_id} ${row.user_id}`));

/** The rows of {@link MessageStore.earlierSends}, keyed by {@link sendKey}. */
export function earlierSendsByKey(rows: unknown[]): Map<string, EarlierSend> {
  type Row = {
    id: string;
    sender_id: string;
    client_message_id: string;
    channel_id: string;
    seq: number | string;
    body: string;
    created_at: RawDate;
    edited_at: RawDate | null;
    deleted_at: RawDate | null;
    rev: number | string;
  };
  return new Map(
    (rows as Row[]).map((row) => [
      sendKey(row.sender_id, row.client_message_id),
      {
        id: row.id,
        channelId: row.channel_id,
        seq: Number(row.seq),
        body: row.body,
        createdAt: dateColumn(row.created_at),
        editedAt: row.edited_at === null ? null : dateColumn(row.edited_at),
        deletedAt: row.deleted_at === null ? null : dateColumn(row.deleted_at),
        rev: Number(row.rev),
      },
    ]),
  );
}

/** A sender's clientMessageId as one key: what the (sender, clientMessageId) unique index keeps unique. */
export const sendKey = (senderId: string, clientMessageId: string) => `${senderId} ${clientMessageId}`;

/** The rows of {@link MessageStore.sendsSince}: each sender's send times in epoch milliseconds. */
export function sendTimes(rows: unknown[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const row of rows as { sender_id: string; created_at: RawDate }[]) {
    const list = times.get(row.sender_id) ?? [];
    list.push(dateColumn(row.created_at).getTime());
    times.set(row.sender_id, list);
  }
  return times;
}

const marks = (values: unknown[]) => values.map(() => '?').join(', ');
