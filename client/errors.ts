import type { GraphQLFormattedError } from 'graphql';

/**
 * Codes a request can fail with: the contract's codes, GraphQL's own validation codes, and NETWORK_ERROR for a
 * request that got no GraphQL answer at all (server down, connection lost, a proxy's 502).
 */
export type ChatErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'TIER_REQUIRED'
  | 'INVALID_CODE'
  | 'WRONG_PASSWORD'
  | 'RATE_LIMITED'
  | 'PAYMENT_UNAVAILABLE'
  | 'SLOW_CONSUMER'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'NETWORK_ERROR'
  | (string & {});

/**
 * Errors worth trying again with the same input: the request may not have reached the server, the server had a
 * passing fault, or it asked us to slow down. Everything else (FORBIDDEN, BAD_USER_INPUT, …) will fail the same
 * way every time.
 */
const TRANSIENT: ReadonlySet<string> = new Set([
  'NETWORK_ERROR',
  'INTERNAL_SERVER_ERROR',
  'RATE_LIMITED',
  'UNAVAILABLE',
]);

/** A request the server refused, or one that never got an answer. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly code: ChatErrorCode,
    message: string,
    /** the error's `extensions` as the server sent them (`retryAfterSeconds`, `field`, `attemptsLeft`, …) */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the same request may succeed later (see TRANSIENT). */
  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }

  /** Seconds the server asked us to wait before trying again (RATE_LIMITED), if it said. */
  get retryAfterSeconds(): number | undefined {
    const value = this.extensions.retryAfterSeconds;
    return typeof value === 'number' ? value : undefined;
  }

  /** The first error of a GraphQL response, as a ChatError. */
  static fromGraphql(errors: readonly GraphQLFormattedError[]): ChatError {
    const [first] = errors;
    const extensions = first?.extensions ?? {};
    const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
    return new ChatError(code, first?.message ?? 'Unknown error', extensions);
  }

  static network(cause: unknown): ChatError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new ChatError('NETWORK_ERROR', `The server could not be reached: ${detail}`, {}, { cause });
  }
}
