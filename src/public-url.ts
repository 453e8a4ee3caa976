import type { Config } from './config';

/**
 * The server's own public base URL: PUBLIC_URL, or this server on localhost at the port it listens on, which is
 * known only once it listens (PORT=0 leaves it to the system). Checkout return pages and the broker addresses handed
 * to clients read it when they need it.
 */
export class PublicUrl {
  private port: number;

  constructor(private readonly config: Config['http']) {
    this.port = config.port;
  }

  /** The base URL, without a trailing slash. */
  readonly url = (): string => this.config.publicUrl ?? `http://localhost:${this.port}`;

  /** Tells it the port the HTTP server listens on. */
  listening(port: number): void {
    this.port = port;
  }
}
