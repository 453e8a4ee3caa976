/**
 * How many connections each client address holds open, with a limit: past it a new one is refused (the HTTP upgrade
 * with 429, a TCP connection closed at once), so one address cannot hold an unbounded share of the server's memory.
 */
export class AddressQuota {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Takes a place for `address`; returns its release (call once, when the connection closes), or undefined. */
  take(address: string): (() => void) | undefined {
    const held = this.open.get(address) ?? 0;
    if (held >= this.limit) return undefined;
    this.open.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    };
  }
}
