import { LockMode, type MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import { Message, MessageChange, User } from '../entities';
import type { Metrics } from '../metrics';
import type { Clock } from '../services/clock';
import { dialectOf } from '../services/store/dialect';
import { lockingTransaction } from '../services/transaction';
import { changeView, messageView, type ChangeView, type MessageView } from '../services/views';
import type { BrokerConnection } from './broker';
import { encodeChangePayload, encodePayload, type PayloadSigner } from './payload';
import type { Topics } from './topics';

/** One publication of the outbox: a row (by key) of one of its tables, and what to publish on its channel's topic. */
interface Publication {
  /** The row's key in its outbox: a message's id, or a change's `channelId/rev`. */
  id: string;
  channelId: string;
  payload: Buffer;
}

/** A table the relay publishes from, each row once acknowledged: messages, or their changes. */
interface Outbox {
  /**
   * Rows left unpublished since before `cutoff`, oldest first, at most `limit`; with `lock`, claimed with
   * `FOR UPDATE SKIP LOCKED` (in the caller's transaction) so that other instances' sweeps pass them by.
   */
  due(em: SqlEntityManager, cutoff: Date, limit: number, lock: boolean): Promise<Publication[]>;
  /** Marks rows published (those still unmarked). */
  markPublished(em: SqlEntityManager, ids: string[], at: Date): Promise<unknown>;
  /** When the oldest unpublished row was stored. */
  oldestUnpublished(em: SqlEntityManager): Promise<Date | undefined>;
}

export interface RelayOptions {
  /** How often the sweeper looks for messages left unpublished (default 2 s). */
  sweepIntervalMs?: number;
  /** How old an unpublished message must be before the sweeper takes it over from the relay (default 3 s). */
  sweepAfterMs?: number;
  /** How long a sweep waits for the broker's acknowledgements before it lets its rows go (default 10 s). */
  sweepAckTimeoutMs?: number;
  /** The most messages one sweep republishes (default 500). */
  sweepBatch?: number;
}

/**
 * The transactional outbox. Every stored message, and every edit or deletion, is published after its commit on
 * `{prefix}/channel/{id}`, QoS 1, and marked published when the broker acknowledges it. A sweeper republishes whatever is still unpublished a few
 * seconds later (the broker was down, or the process died between commit and publish), so nothing stored stays
 * unpublished once the broker is back. Delivery is at least once: subscribers de-duplicate on seq.
 *
 * With several instances on MySQL, a sweep claims its rows with `FOR UPDATE SKIP LOCKED`, so sweepers never take
 * the same messages; a message is never published twice by one process at a time.
 */
export class Relay {
  /**
   * Message ids this process has handed to the MQTT client and not yet seen fail or marked published: a sweep that
   * read a row just before its acknowledgement was written skips it rather than publishing it twice.
   */
  private readonly inFlight = new Set<string>();
  private readonly messages: Outbox;
  private readonly changes: Outbox;
  /** Acknowledged rows of each outbox, not yet marked published. */
  private readonly acked = new Map<Outbox, string[]>();
  private markTimer: NodeJS.Timeout | undefined;
  private markFlush: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private reconnectSweep: Promise<void> | undefined;
  private stopped = false;
  private readonly options: Required<RelayOptions>;
  private readonly exclusiveSweeps: boolean;

  constructor(
    private readonly orm: MikroORM,
    private readonly broker: BrokerConnection,
    private readonly topics: Topics,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly signer: PayloadSigner,
    options: RelayOptions = {},
  ) {
    this.options = {
      sweepIntervalMs: options.sweepIntervalMs ?? 2000,
      sweepAfterMs: options.sweepAfterMs ?? 3000,
      sweepAckTimeoutMs: options.sweepAckTimeoutMs ?? 10_000,
      sweepBatch: options.sweepBatch ?? 500,
    };
    // SQLite has one connection: a sweep must not hold a transaction open while it waits for the broker.
    this.exclusiveSweeps = dialectOf(orm) === 'mysql';
    this.messages = messageOutbox(signer);
    this.changes = changeOutbox(signer);
  }

  /** Starts the sweeper; it also sweeps as soon as the broker is back after an outage. */
  start(): void {
    this.broker.client.on('connect', () => {
      if (this.stopped) return;
      this.reconnectSweep = this.sweep(0)
        .catch((err: unknown) => this.logger.warn({ err }, 'relay sweep after a reconnect failed'))
        .finally(() => (this.reconnectSweep = undefined));
    });
    const tick = () => {
      this.sweepTimer = setTimeout(() => {
        this.sweeping = this.sweep()
          .catch((err: unknown) => this.logger.warn({ err }, 'relay sweep failed'))
          .finally(() => {
            this.sweeping = undefined;
            if (!this.stopped) tick();
          });
      }, this.options.sweepIntervalMs);
      this.sweepTimer.unref();
    };
    tick();
  }

  /**
   * Publishes a message that has just been committed. Never throws: a publication that fails is left to the
   * sweeper.
   */
  publish(message: MessageView): void {
    void this.send(this.messages, {
      id: message.id,
      channelId: message.channelId,
      payload: encodePayload(message, this.signer),
    });
  }

  /** Publishes an edit or deletion that has just been committed; as {@link publish}. */
  publishChange(change: ChangeView): void {
    void this.send(this.changes, {
      id: changeKey(change.message.channelId, change.rev),
      channelId: change.message.channelId,
      payload: encodeChangePayload(change, this.signer),
    });
  }

  /**
   * Republishes the messages and changes still unpublished `olderThanMs` (default `sweepAfterMs`) after they were
   * stored, oldest first, each as it is now, and updates the relay-lag gauge (the age of the oldest unpublished one).
   */
  async sweep(olderThanMs = this.options.sweepAfterMs): Promise<void> {
    const cutoff = new Date(this.clock().getTime() - olderThanMs);
    for (const outbox of [this.messages, this.changes]) {
      const work = async (em: SqlEntityManager) => {
        const found = await outbox.due(em, cutoff, this.options.sweepBatch, this.exclusiveSweeps);
        const due = found.filter((row) => !this.inFlight.has(row.id));
        if (due.length === 0) return;
        this.logger.info({ count: due.length }, 'relay: republishing unpublished messages and changes');
        const results = await Promise.all(due.map((row) => this.send(outbox, row, this.options.sweepAckTimeoutMs)));
        const acked = due.filter((_, i) => results[i]).map((row) => row.id);
        if (acked.length) await outbox.markPublished(em, acked, this.clock());
      };
      if (this.exclusiveSweeps) await lockingTransaction(this.orm, work);
      else await work(this.orm.em.fork() as SqlEntityManager);
    }
    await this.updateLag();
  }

  /** Stops the sweeper, waits (briefly) for publications under way, and writes the acknowledgements received. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    await this.sweeping;
    await this.reconnectSweep;
    const deadline = Date.now() + 2000;
    while (this.inFlight.size > 0 && this.broker.isReady() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    await this.flushMarks();
  }

  /**
   * Hands one publication to the MQTT client, unless this process already has it in flight.
   * Resolves true once the broker acknowledged it (and it is queued to be marked published), false otherwise or
   * when `ackTimeoutMs` passes first (the publication itself stays queued in the client and may still succeed).
   */
  private send(outbox: Outbox, row: Publication, ackTimeoutMs?: number): Promise<boolean> {
    // While the broker is away, nothing is handed to the MQTT client, which would keep it and send it as it was
    // once back, after a deletion committed meanwhile: the sweep after the reconnect publishes the rows as they are.
    if (this.inFlight.has(row.id) || !this.broker.client.connected) return Promise.resolve(false);
    this.inFlight.add(row.id);
    const published = this.broker.client
      .publishAsync(this.topics.channel(row.channelId), row.payload, { qos: 1, retain: false })
      .then(
        () => {
          this.metrics.published.inc();
          this.markPublished(outbox, row.id);
          return true;
        },
        (err: unknown) => {
          this.logger.warn({ err, rowId: row.id }, 'relay: publish failed; the sweeper will retry');
          this.inFlight.delete(row.id);
          return false;
        },
      );
    if (ackTimeoutMs === undefined) return published;
    return Promise.race([
      published,
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ackTimeoutMs).unref()),
    ]);
  }

  /** Marks acknowledged rows published, a batch at a time; they stay in flight until the mark is written. */
  private markPublished(outbox: Outbox, id: string): void {
    const acked = this.acked.get(outbox);
    if (acked) acked.push(id);
    else this.acked.set(outbox, [id]);
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      void this.flushMarks();
    }, 20);
  }

  private flushMarks(): Promise<void> {
    this.markFlush = this.markFlush.then(async () => {
      const batches = [...this.acked];
      this.acked.clear();
      for (const [outbox, ids] of batches) {
        try {
          await outbox.markPublished(this.orm.em.fork() as SqlEntityManager, ids, this.clock());
        } catch (err) {
          this.logger.warn({ err }, 'relay: could not mark messages published; they will be sent again');
        } finally {
          for (const id of ids) this.inFlight.delete(id);
        }
      }
    });
    return this.markFlush;
  }

  private async updateLag(): Promise<void> {
    const em = this.orm.em.fork() as SqlEntityManager;
    const oldest = [await this.messages.oldestUnpublished(em), await this.changes.oldestUnpublished(em)]
      .filter((date) => date !== undefined)
      .map((date) => date.getTime());
    const lag = oldest.length ? Math.max(0, (this.clock().getTime() - Math.min(...oldest)) / 1000) : 0;
    this.metrics.relayLag.set(lag);
  }
}

/** The messages table as an outbox: each new message, published as `message.created` with its current state. */
function messageOutbox(signer: PayloadSigner): Outbox {
  return {
    async due(em, cutoff, limit, lock) {
      const found = await em.find(
        Message,
        { publishedAt: null, createdAt: { $lte: cutoff } },
        {
          orderBy: { createdAt: 'asc', seq: 'asc' },
          limit,
          lockMode: lock ? LockMode.PESSIMISTIC_PARTIAL_WRITE : undefined,
        },
      );
      // The senders apart, unlocked: joined to the claiming query, SKIP LOCKED would pass over the row of a sender
      // whose send holds it, and the message would go out without its sender.
      const senderIds = [...new Set(found.flatMap((m) => (m.sender ? [m.sender.id] : [])))];
      if (senderIds.length) await em.find(User, { id: { $in: senderIds } });
      return found.map((m) => ({ id: m.id, channelId: m.channel.id, payload: encodePayload(messageView(m), signer) }));
    },
    markPublished: (em, ids, at) =>
      em.nativeUpdate(Message, { id: { $in: ids }, publishedAt: null }, { publishedAt: at }),
    oldestUnpublished: async (em) =>
      (await em.findOne(Message, { publishedAt: null }, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] }))
        ?.createdAt,
  };
}

/**
 * The change log as an outbox: each edit or deletion, published with its message as it is when published (so a
 * sweep after a deletion never carries the deleted body). Only the change rows are claimed; the messages are read
 * apart, unlocked.
 */
function changeOutbox(signer: PayloadSigner): Outbox {
  return {
    async due(em, cutoff, limit, lock) {
      const found = await em.find(
        MessageChange,
        { publishedAt: null, createdAt: { $lte: cutoff } },
        {
          fields: ['channel', 'rev', 'message'],
          orderBy: { createdAt: 'asc', rev: 'asc' },
          limit,
          lockMode: lock ? LockMode.PESSIMISTIC_PARTIAL_WRITE : undefined,
        },
      );
      if (found.length === 0) return [];
      const messages = await em.find(
        Message,
        { id: { $in: found.map((change) => change.message.id) } },
        { populate: ['sender'] },
      );
      const byId = new Map(messages.map((m) => [m.id, messageView(m)]));
      return found.map((change) => ({
        id: changeKey(change.channel.id, change.rev),
        channelId: change.channel.id,
        payload: encodeChangePayload(changeView(change.rev, byId.get(change.message.id)!), signer),
      }));
    },
    markPublished: (em, keys, at) =>
      em.nativeUpdate(
        MessageChange,
        {
          publishedAt: null,
          $or: keys.map((key) => {
            const [channel, rev] = key.split('/');
            return { channel, rev: Number(rev) };
          }),
        },
        { publishedAt: at },
      ),
    oldestUnpublished: async (em) =>
      (await em.findOne(MessageChange, { publishedAt: null }, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] }))
        ?.createdAt,
  };
}

/** A change's key in the relay: its channel and rev. */
const changeKey = (channelId: string, rev: number) => `${channelId}/${rev}`;
