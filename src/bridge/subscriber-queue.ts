import type { MessageView } from '../services/views';

/**
 * One subscriber's ordered stream: an async iterator over a bounded queue.
 *
 * It yields each seq once, in increasing order, and only seqs above `after`. While a replay is being read, live
 * messages are held back and then follow the replay. When more than `limit` messages wait for a consumer that does
 * not keep up, the subscription ends with `overflowError` instead of holding back the feed or growing without bound.
 */
export class SubscriberQueue implements AsyncIterableIterator<MessageView> {
  private readonly queue: MessageView[] = [];
  private held: MessageView[] | undefined = [];
  private waiting: ((result: IteratorResult<MessageView>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private failure: Error | undefined;
  private done = false;

  constructor(
    readonly userId: string,
    private after: number,
    private readonly limit: number,
    private readonly overflowError: () => Error,
    private readonly onClose: () => void,
  ) {}

  /** A live message from the channel's feed (gap-free and in order). */
  push(message: MessageView): void {
    if (this.done) return;
    if (this.held) {
      this.held.push(message);
      if (this.held.length > this.limit) this.fail(this.overflowError());
      return;
    }
    this.enqueue(message);
  }

  /** Ends the replay phase: the replayed messages go first, then the live ones that arrived meanwhile. */
  startLive(replay: MessageView[]): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of [...replay, ...held]) this.enqueue(message);
  }

  /** Ends the subscription with an error (a DomainError) that the client receives as the subscription's error. */
  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.finish();
  }

  next(): Promise<IteratorResult<MessageView>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<MessageView>> {
    this.queue.length = 0;
    this.failure = undefined;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private enqueue(message: MessageView): void {
    if (this.done || message.seq <= this.after) return;
    this.after = message.seq;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: message, done: false });
      return;
    }
    this.queue.push(message);
    if (this.queue.length > this.limit) {
      this.queue.length = 0;
      this.fail(this.overflowError());
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.held = undefined;
    if (this.waiting) {
      const [resolve, reject] = [this.waiting, this.failWaiting!];
      this.waiting = this.failWaiting = undefined;
      if (this.failure) {
        reject(this.failure);
        this.failure = undefined;
      } else resolve({ value: undefined, done: true });
    }
    this.onClose();
  }
}
