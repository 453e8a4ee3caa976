import type { Logger } from 'pino';

/** The parts started so far, each with how it closes; closed in the reverse order, once. */
export class Parts {
  private readonly closers: [string, () => Promise<unknown>][] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Keeps how `part` closes, and returns it. */
  add<T>(name: string, part: T, close: (part: T) => Promise<unknown>): T {
    this.closers.push([name, () => close(part)]);
    return part;
  }

  closeAll(): Promise<void> {
    this.closing ??= (async () => {
      for (const [part, close] of this.closers.splice(0).reverse()) {
        this.logger.debug({ part }, 'closing');
        await close().catch((err: unknown) => this.logger.error({ err, part }, 'error while stopping'));
      }
    })();
    return this.closing;
  }
}
