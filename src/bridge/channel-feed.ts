import type { Logger } from 'pino';
import type { MessageView } from '../services/views';
import type { Subscriber } from './subscriber';

export interface FeedSource {
  /** Stored messages with `after < seq <= upTo`, in order (at most 1000). */
  between(after: number, upTo: number): Promise<MessageView[]>;
  /** The channel's newest seq now. */
  lastSeq(): Promise<number>;
}

/**
 * One channel's stream of stored messages on this instance, in seq order without gaps or repeats, whatever order
 * (and however often) the broker delivers them. A seq that arrives early waits `gapWaitMs` for the missing ones,
 * which are then read from the database.
 */
export class ChannelFeed {
  /** The highest seq handed to subscribers; -1 until the feed knows where the channel stands. */
  delivered = -1;
  readonly subscribers = new Set<Subscriber>();
  refs = 0;
  ready: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, MessageView>();
  private gapTimer: NodeJS.Timeout | undefined;
  private filling = false;

  constructor(
    readonly channelId: string,
    private readonly source: FeedSource,
    private readonly deliver: (message: MessageView, feed: ChannelFeed) => void,
    private readonly gapWaitMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the stream after `lastSeq`: what was stored up to then is history, not live. */
  start(lastSeq: number): void {
    this.delivered = lastSeq;
    for (const seq of this.pending.keys()) if (seq <= lastSeq) this.pending.delete(seq);
    this.drain();
  }

  /** A message from the broker (or the database): delivered in turn, dropped when already delivered. */
  receive(message: MessageView): void {
    if (message.seq <= this.delivered || this.pending.has(message.seq)) return;
    this.pending.set(message.seq, message);
    if (this.delivered >= 0) this.drain();
  }

  /** Catches up with the database (after a broker reconnect, when publications may have been missed). */
  async resync(): Promise<void> {
    if (this.delivered < 0) return;
    const last = await this.source.lastSeq();
    while (this.delivered < last) {
      const batch = await this.source.between(this.delivered, last);
      if (batch.length === 0) break;
      for (const message of batch) this.receive(message);
    }
  }

  close(): void {
    clearTimeout(this.gapTimer);
    this.pending.clear();
  }

  private drain(): void {
    for (let next = this.pending.get(this.delivered + 1); next; next = this.pending.get(this.delivered + 1)) {
      this.pending.delete(next.seq);
      this.delivered = next.seq;
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
        for (const message of await this.source.between(this.delivered, upTo)) this.receive(message);
      }
    } catch (err) {
      this.logger.warn({ err, channelId: this.channelId }, 'could not fill a gap from the database; retrying');
    } finally {
      this.filling = false;
      this.drain();
    }
  }
}
