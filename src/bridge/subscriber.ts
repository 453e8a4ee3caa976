/** Where a subscriber reads what the live feed already passed: the database, behind the feed's position. */
export interface ReplaySource<T> {
  /** The stored items with `after < position <= upTo`, in order, at most `limit`. */
  between(after: number, upTo: number, limit: number): Promise<T[]>;
  /** The highest position the channel's live feed has handed out (every one up to it is stored). */
  readonly position: number;
  /** An item's position (its seq, or its rev). */
  positionOf: (item: T) => number;
  /** What an item weighs against `SubscriberLimits.pageWeight` (its message's body length). */
  weightOf: (item: T) => number;
}

export interface SubscriberLimits {
  /** Live messages held for a consumer that has not read them; past this it reads from the database instead. */
  buffer: number;
  /** Messages read from the database at a time, as the consumer asks for them. */
  page: number;
  /** What the first read asks for, before the weight of the items is known (then see `pageWeight`). */
  firstPage: number;
  /**
   * What a page read from the database may weigh (`ReplaySource.weightOf`) once held: the items past it are let go
   * and read again with the next page (a page holds at least one item). The next read asks for no more items than
   * this weight holds of the heaviest item of the last one, so heavy items are not read many times over.
   */
  pageWeight: number;
  /** How far behind the feed a consumer may fall before its subscription ends with `lagError`. */
  maxLag: number;
}

/**
 * One subscriber's ordered stream of a channel (messages by seq, or changes by rev): an async iterator that yields
 * each position once, in increasing order, and only positions above where it started.
 *
 * It holds little, however slowly its consumer reads. Behind the live feed it reads the database a page at a time
 * (`firstPage` items first, then as many as `pageWeight` holds of the heaviest of the last page, at most `page`;
 * what weighs more than `pageWeight` of a page is let go), and only when its consumer asks
 * for the next message (a replay is not materialised). Once it has caught up it
 * takes the feed's messages as they come, holding at most `buffer` of them; a consumer that lets more wait falls
 * back to the database, where they are stored anyway. A consumer more than `maxLag` behind is ended with `lagError`
 * (it would be refused a replay that long, too).
 */
export class Subscriber<T> implements AsyncIterableIterator<T> {
  /** Items after `yielded`, consecutive, not yet read by the consumer. */
  private queue: T[] = [];
  /** The last position the consumer was given. */
  private yielded: number;
  /** Taking the feed's messages (true), or reading the database until caught up (false). */
  private live = false;
  private failure: Error | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  /** How many items the next database read asks for (see SubscriberLimits.pageWeight). */
  private pageSize: number;

  constructor(
    readonly userId: string,
    after: number,
    private readonly source: ReplaySource<T>,
    private readonly limits: SubscriberLimits,
    private readonly lagError: () => Error,
    private readonly onClose: () => void,
  ) {
    this.yielded = after;
    this.pageSize = Math.min(limits.firstPage, limits.page);
  }

  /** An item from the channel's feed, which hands them out gap-free and in order. */
  push(message: T): void {
    if (this.done) return;
    if (!this.live) {
      if (this.source.position - this.yielded > this.limits.maxLag) this.fail(this.lagError());
      return;
    }
    const tail = this.tail();
    const position = this.source.positionOf(message);
    if (position <= tail) return;
    if (position === tail + 1 && this.queue.length < this.limits.buffer) {
      this.queue.push(message);
    } else {
      // Too many unread, or not the next one: let them go, and read from the database from where the consumer is.
      this.queue = [];
      this.live = false;
    }
    this.notify();
  }

  /**
   * Ends the subscription with an error (a DomainError) that the client receives as the subscription's error, before
   * anything still unread (which may be what access no longer allows).
   */
  fail(error: Error): void {
    if (this.done) return;
    this.queue = [];
    this.failure = error;
    this.finish();
  }

  /**
   * The next message: the database's when behind the feed, the feed's when caught up.
   *
   * @throws the error the subscription was ended with (`fail`), once; or the database's when a page cannot be read.
   */
  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      const message = this.queue.shift();
      if (message) {
        this.yielded = this.source.positionOf(message);
        return { value: message, done: false };
      }
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      if (this.done) return { value: undefined, done: true };
      if (this.live) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const upTo = this.source.position;
      if (this.yielded >= upTo) {
        // Caught up, in the same turn as the check: the feed's next message comes through `push`.
        this.live = true;
        continue;
      }
      const page = await this.source.between(this.yielded, upTo, this.pageSize);
      if (this.done || this.live) continue;
      const weights = page.map((read) => this.source.weightOf(read));
      let weight = 0;
      for (const [i, read] of page.entries()) {
        weight += weights[i];
        if (this.queue.length > 0 && weight > this.limits.pageWeight) break;
        if (this.source.positionOf(read) === this.tail() + 1) this.queue.push(read);
      }
      const heaviest = Math.max(1, ...weights);
      this.pageSize = Math.max(1, Math.min(this.limits.page, Math.floor(this.limits.pageWeight / heaviest)));
      // Nothing to read although the feed is ahead: wait for the feed rather than ask again at once.
      if (this.queue.length === 0) this.live = true;
    }
  }

  return(): Promise<IteratorResult<T>> {
    this.queue = [];
    this.failure = undefined;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The position of the last item queued, or of the last one read when none is. */
  private tail(): number {
    return this.queue.length > 0 ? this.source.positionOf(this.queue[this.queue.length - 1]) : this.yielded;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.notify();
    this.onClose();
  }
}
