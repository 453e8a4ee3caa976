/** A clock tests move by hand, so expiry and throttles are checked without sleeping. */
export class TestClock {
  private offsetMs = 0;
  private frozenAt: number | undefined;
  readonly now = (): Date => new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }
  /** Stops the clock where it is (until `thaw`): a window of time cannot pass however slow the machine is. */
  freeze(): void {
    this.frozenAt = this.now().getTime();
  }
  /** Lets the clock run again from where it stopped. */
  thaw(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
