import type { Logger } from 'pino';
import type { Subscriber } from './subscriber';

/**
 * Where a channel's stream is stored: its messages by seq, or its changes by rev. Positions are gap-free per channel
 * (1, 2, 3, …), taken under the channel row's lock and committed in order.
 */
export interface FeedSource<T> {
  /** The stored items with `after < position <= upTo`, in order (at most 1000). */
  between(after: number, upTo: number): Promise<T[]>;
  /** The channel's newest position now. */
  last(): Promise<number>;
}

/**
 * One channel's stream on this instance (its messages in seq order, or its changes in rev order) without gaps or
 * repeats, whatever order (and however often) the broker delivers them. A position that arrives early waits
 * `gapWaitMs` for the missing ones, which are then read from the database.
 */
export class ChannelFeed<T> {
  /** The highest position handed to subscribers; -1 until the feed knows where the channel stands. */
  delivered = -1;
  readonly subscribers = new Set<Subscriber<T>>();
  refs = 0;
  ready: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, T>();
  private gapTimer: NodeJS.Timeout | undefined;
  private filling = false;

  constructor(
    readonly channelId: string,
    private readonly positionOf: (item: T) => number,
    private readonly source: FeedSource<T>,
    private readonly deliver: (item: T, feed: ChannelFeed<T>) => void,
    private readonly gapWaitMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the stream after `last`: what was stored up to then is history, not live. */
  start(last: number): void {
    this.delivered = last;
    for (const position of this.pending.keys()) if (position <= last) this.pending.delete(position);
    this.drain();
  }

  /** An item from the broker (or the database): delivered in turn, dropped when already delivered. */
  receive(item: T): void {
    const position = this.positionOf(item);
    if (position <= this.delivered || this.pending.has(position)) return;
    this.pending.set(position, item);
    if (this.delivered >= 0) this.drain();
  }

  /** Catches up with the database (after a broker reconnect, when publications may have been missed). */
  async resync(): Promise<void> {
    if (this.delivered < 0) return;
    const last = await this.source.last();
    while (this.delivered < last) {
      const batch = await this.source.between(this.delivered, last);
      if (batch.length === 0) break;
      for (const item of batch) this.receive(item);
    }
  }

  close(): void {
    clearTimeout(this.gapTimer);
    this.pending.clear();
  }

  private drain(): void {
    for (let next = this.pending.get(this.delivered + 1); next; next = this.pending.get(this.delivered + 1)) {
      this.pending.delete(this.delivered + 1);
      this.delivered += 1;
      this.deliver(next, this);
    }
    if (this.pending.size > 0) this.gapTimer ??= setTimeout(() => void this.fillGap(), this.gapWaitMs);
  }

  private async fillGap(): Promise<void> {
    this.gapTimer = undefined;
    if (this.filling || this.pending.size === 0) return;
    this.filling = true;
    try {
      const upTo = Math.min(...this.pending.keys()) - 1;
      if (upTo > this.delivered) {
        for (const item of await this.source.between(this.delivered, upTo)) this.receive(item);
      }
    } catch (err) {
      this.logger.warn({ err, channelId: this.channelId }, 'could not fill a gap from the database; retrying');
    } finally {
      this.filling = false;
      this.drain();
    }
  }
}
