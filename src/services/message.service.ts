import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Message } from '../entities';
import { badInput } from '../errors';
import type { Viewer } from './auth.service';
import { accessibleChannel, findChannel } from './channel-access';
import type { Clock } from './clock';
import { decodeCursor, encodeCursor } from './cursor';
import { GroupCommit } from './group-commit';
import { MessageStore } from './store/message.store';
import { clientMessageIdSchema, messageBodySchema, parseField } from './validation';
import { messageView, userView, type MessagePage, type MessageStored, type MessageView } from './views';

/** The contract's send limit and page sizes. */
export const MESSAGE_RULES = {
  sendsPerWindow: 30,
  sendWindowMs: 10_000,
  defaultPage: 50,
  maxPage: 100,
  /** The longest replay `messageAdded(afterSeq:)` serves; further back, clients page history. */
  maxReplay: 1000,
} as const;

export interface SendMessage {
  channelId: string;
  body: string;
  clientMessageId: string;
}

export interface HistoryArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A window of one channel's history: seqs strictly between `after` and `before`, `limit` from one end. */
export interface PageWindow {
  channelId: string;
  after: number;
  before: number | undefined;
  limit: number;
  /** `asc` takes the oldest of the window (first/after), `desc` the newest (last/before). */
  from: 'asc' | 'desc';
}

/**
 * The one query behind every history page: a range scan of the (channel_id, seq) index from one end, so a page deep
 * in a long history reads as many rows as the newest page.
 */
export function pageQuery(em: SqlEntityManager, window: PageWindow) {
  return em
    .createQueryBuilder(Message, 'm')
    .select('*')
    .leftJoinAndSelect('m.sender', 's')
    .where({ channel: window.channelId, seq: { $gt: window.after, ...(window.before ? { $lt: window.before } : {}) } })
    .orderBy({ seq: window.from })
    .limit(window.limit);
}

/** Storing messages and reading history. */
export class MessageService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly onStored: MessageStored,
  ) {
    this.store = new MessageStore(orm);
    this.groupCommit = new GroupCommit(this.store, {
      sends: MESSAGE_RULES.sendsPerWindow,
      windowMs: MESSAGE_RULES.sendWindowMs,
    });
  }

  private readonly store: MessageStore;

  /** Sends that arrive together share a transaction (see GroupCommit). */
  private readonly groupCommit: GroupCommit;

  /**
   * Stores a USER message (the transaction of "the path of one message") and returns it. A retry with the same
   * `clientMessageId` returns the first message and stores nothing.
   *
   * @throws DomainError BAD_USER_INPUT for a bad body or clientMessageId, or a clientMessageId reused with another
   * body or channel; RATE_LIMITED past 30 messages in 10 s; NOT_FOUND / FORBIDDEN as for history (checked under the
   * channel's lock, in the storing transaction). Nothing is stored then.
   */
  async send(viewer: Viewer, input: SendMessage): Promise<MessageView> {
    const body = parseField('body', messageBodySchema, input.body);
    const clientMessageId = parseField('clientMessageId', clientMessageIdSchema, input.clientMessageId);
    const sender = userView(viewer.user);
    const { message, stored } = await this.groupCommit.store(input.channelId, {
      sender,
      body,
      clientMessageId,
      now: this.clock(),
    });
    if (stored) this.onStored(message);
    return message;
  }

  /**
   * A page of a channel's history in ascending seq order: `last`/`before` page back from the newest message,
   * `first`/`after` forward; the newest 50 when neither is given.
   *
   * @throws DomainError BAD_USER_INPUT for first/last outside 1–100, both given, or a malformed cursor or one of
   * another channel; NOT_FOUND for an unknown id or another user's PRIVATE channel; FORBIDDEN for a PASSWORD
   * channel the viewer has not joined.
   */
  async history(viewer: Viewer, channelId: string, args: HistoryArgs): Promise<MessagePage> {
    for (const field of ['first', 'last'] as const) {
      const n = args[field];
      if (n != null && (n < 1 || n > MESSAGE_RULES.maxPage)) {
        throw badInput(field, `${field} must be between 1 and ${MESSAGE_RULES.maxPage}.`);
      }
    }
    if (args.first != null && args.last != null) throw badInput('last', 'Give first or last, not both.');
    const em = this.orm.em.fork() as SqlEntityManager;
    const channel = await accessibleChannel(em, channelId, viewer.user.id);
    const after = args.after != null ? decodeCursor('after', args.after, channel.id) : 0;
    const before = args.before != null ? decodeCursor('before', args.before, channel.id) : undefined;

    const forward = args.first != null;
    const limit = args.first ?? args.last ?? MESSAGE_RULES.defaultPage;
    const rows = await pageQuery(em, {
      channelId: channel.id,
      after,
      before,
      limit,
      from: forward ? 'asc' : 'desc',
    }).getResultList();
    const nodes = (forward ? rows : rows.reverse()).map(messageView);

    // Seqs have no gaps, so whether anything lies before or after the page follows from the seqs themselves.
    const lastSeq = channel.lastSeq;
    const low = nodes.length ? nodes[0].seq : Math.min(after, lastSeq) + 1;
    const high = nodes.length ? nodes[nodes.length - 1].seq : Math.min(before ?? lastSeq + 1, lastSeq + 1) - 1;
    const edges = nodes.map((node) => ({ cursor: encodeCursor(channel.id, node.seq), node }));
    return {
      edges,
      lastRev: channel.lastRev,
      pageInfo: {
        hasPreviousPage: low > 1,
        hasNextPage: high < lastSeq,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }

  /**
   * The seq of the newest message in a channel the viewer may read (for subscriptions).
   *
   * @throws DomainError NOT_FOUND / FORBIDDEN as for history.
   */
  async readableLastSeq(viewer: Viewer, channelId: string): Promise<number> {
    return (await accessibleChannel(this.orm.em.fork(), channelId, viewer.user.id)).lastSeq;
  }

  /** The newest seq of a channel, 0 when it has no message or does not exist. */
  async lastSeq(channelId: string): Promise<number> {
    const channel = await findChannel(this.orm.em.fork(), channelId, { fields: ['lastSeq'] });
    return channel?.lastSeq ?? 0;
  }

  /** The stored messages with `after < seq <= upTo`, in seq order, at most `limit` of them (no access check). */
  async between(
    channelId: string,
    after: number,
    upTo: number,
    limit: number = MESSAGE_RULES.maxReplay,
  ): Promise<MessageView[]> {
    if (upTo <= after) return [];
    return this.store.between(channelId, after, upTo, limit);
  }
}
