import { LockMode, type MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Logger } from 'pino';
import { Message } from '../entities';
import type { Metrics } from '../metrics';
import type { Clock } from '../services/clock';
import { dialectOf } from '../services/store/dialect';
import { lockingTransaction } from '../services/transaction';
import { messageView, type MessageView } from '../services/views';
import type { BrokerConnection } from './broker';
import { encodePayload, type PayloadSigner } from './payload';
import type { Topics } from './topics';

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
 * The transactional outbox. Every stored message is published after its commit on `{prefix}/channel/{id}`, QoS 1,
 * and marked published when the broker acknowledges it. A sweeper republishes whatever is still unpublished a few
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
  private readonly acked: string[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private markFlush: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
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
  }

  /** Starts the sweeper. */
  start(): void {
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
    void this.send(message);
  }

  /**
   * Republishes the messages still unpublished `sweepAfterMs` after they were stored, oldest first, and updates the
   * relay-lag gauge (the age of the oldest unpublished message).
   */
  async sweep(): Promise<void> {
    const cutoff = new Date(this.clock().getTime() - this.options.sweepAfterMs);
    const work = async (em: SqlEntityManager) => {
      const found = await em.find(
        Message,
        { publishedAt: null, createdAt: { $lte: cutoff } },
        {
          populate: ['sender'],
          orderBy: { createdAt: 'asc', seq: 'asc' },
          limit: this.options.sweepBatch,
          lockMode: this.exclusiveSweeps ? LockMode.PESSIMISTIC_PARTIAL_WRITE : undefined,
        },
      );
      const due = found.filter((m) => !this.inFlight.has(m.id));
      if (due.length === 0) return;
      this.logger.info({ count: due.length }, 'relay: republishing unpublished messages');
      const results = await Promise.all(due.map((m) => this.send(messageView(m), this.options.sweepAckTimeoutMs)));
      const acked = due.filter((_, i) => results[i]).map((m) => m.id);
      if (acked.length) await em.nativeUpdate(Message, { id: { $in: acked } }, { publishedAt: this.clock() });
    };
    if (this.exclusiveSweeps) await lockingTransaction(this.orm, work);
    else await work(this.orm.em.fork() as SqlEntityManager);
    await this.updateLag();
  }

  /** Stops the sweeper, waits (briefly) for publications under way, and writes the acknowledgements received. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    await this.sweeping;
    const deadline = Date.now() + 2000;
    while (this.inFlight.size > 0 && this.broker.isReady() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    await this.flushMarks();
  }

  /**
   * Hands one message to the MQTT client, unless this process already has it in flight.
   * Resolves true once the broker acknowledged it (and it is queued to be marked published), false otherwise or
   * when `ackTimeoutMs` passes first (the publication itself stays queued in the client and may still succeed).
   */
  private send(message: MessageView, ackTimeoutMs?: number): Promise<boolean> {
    if (this.inFlight.has(message.id)) return Promise.resolve(false);
    this.inFlight.add(message.id);
    const published = this.broker.client
      .publishAsync(this.topics.channel(message.channelId), encodePayload(message, this.signer), {
        qos: 1,
        retain: false,
      })
      .then(
        () => {
          this.metrics.published.inc();
          this.markPublished(message.id);
          return true;
        },
        (err: unknown) => {
          this.logger.warn({ err, messageId: message.id }, 'relay: publish failed; the sweeper will retry');
          this.inFlight.delete(message.id);
          return false;
        },
      );
    if (ackTimeoutMs === undefined) return published;
    return Promise.race([
      published,
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ackTimeoutMs).unref()),
    ]);
  }

  /** Marks acknowledged messages published, a batch at a time; they stay in flight until the mark is written. */
  private markPublished(id: string): void {
    this.acked.push(id);
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      void this.flushMarks();
    }, 20);
  }

  private flushMarks(): Promise<void> {
    this.markFlush = this.markFlush.then(async () => {
      const ids = this.acked.splice(0);
      if (ids.length === 0) return;
      try {
        await this.orm.em
          .fork()
          .nativeUpdate(Message, { id: { $in: ids }, publishedAt: null }, { publishedAt: this.clock() });
      } catch (err) {
        this.logger.warn({ err }, 'relay: could not mark messages published; they will be sent again');
      } finally {
        for (const id of ids) this.inFlight.delete(id);
      }
    });
    return this.markFlush;
  }

  private async updateLag(): Promise<void> {
    const oldest = await this.orm.em
      .fork()
      .findOne(Message, { publishedAt: null }, { orderBy: { createdAt: 'asc' }, fields: ['createdAt'] });
    this.metrics.relayLag.set(oldest ? Math.max(0, (this.clock().getTime() - oldest.createdAt.getTime()) / 1000) : 0);
  }
}
