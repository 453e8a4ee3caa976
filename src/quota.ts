/**
 * How many of something each key (a client address, a user) holds at once, with a limit: past it a new one is
 * refused, so that one address or one user cannot hold an unbounded share of the server's memory and time. Used for
 * connections per address, requests in flight per address and operations in flight per user.
 */
export class Quota {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Takes a place for `key`; returns its release (safe to call more than once), or undefined when it is full. */
  take(key: string): (() => void) | undefined {
    const held = this.open.get(key) ?? 0;
    if (held >= this.limit) return undefined;
    this.open.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }
}
