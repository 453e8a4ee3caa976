import { DeadlockException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The error catalogue: every code a client may see in `extensions.code` (contract, "Errors").
 * GraphQL validation errors keep the codes Apollo and graphql-js give them.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  TIER_REQUIRED: 'TIER_REQUIRED',
  INVALID_CODE: 'INVALID_CODE',
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYMENT_UNAVAILABLE: 'PAYMENT_UNAVAILABLE',
  /** Added to the contract's list: a subscription whose client read too slowly was ended; resume with afterSeq. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /**
   * Added to the contract's list: a part the operation needs is down or busy for now (direct MQTT access control on
   * the broker; a transaction rolled back as a deadlock, which on a Galera cluster is a write that lost to another
   * node's); nothing changed, ask again after `retryAfterSeconds`.
   */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * A refusal by one of the rules. Services throw these; the transport turns them into GraphQL errors
 * with `extensions.code`. Anything else that escapes a resolver is masked as INTERNAL_SERVER_ERROR.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: Exclude<ErrorCode, 'INTERNAL_SERVER_ERROR'>,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

export const unauthenticated = () => new DomainError(ErrorCode.UNAUTHENTICATED, 'You must be signed in.');
export const badInput = (field: string, message: string) =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });
export const rateLimited = (retryAfterSeconds: number, message = 'Too many attempts; try again later.') =>
  new DomainError(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });

export const notFound = (what: 'channel' | 'message' | 'user' = 'channel') =>
  new DomainError(ErrorCode.NOT_FOUND, `No such ${what}.`);
export const forbidden = () =>
  new DomainError(ErrorCode.FORBIDDEN, 'Join this channel with its password to read and post here.');
/** The refusal of an operation past its user's quota of operations in progress. */
export const tooManyOperations = (limit: number) =>
  new DomainError(ErrorCode.RATE_LIMITED, `At most ${limit} operations of one user at once; wait for one to finish.`, {
    retryAfterSeconds: 1,
  });

/** Codes graphql-js, Apollo and graphql-ws give to requests that never reached a resolver. */
const TRANSPORT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Shapes one error for the wire, for Apollo (HTTP) and graphql-ws alike.
 *
 * A {@link DomainError} keeps its code, message and extensions; graphql-js validation errors keep theirs; anything
 * else becomes `INTERNAL_SERVER_ERROR` with a fixed message, and `onInternal` receives the original so it can be
 * logged. Stack traces never leave the server.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onInternal: (error: unknown) => void,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const base = { locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) {
    // A refusal caused by a failure underneath (a payment provider's error) is answered by code, and logged.
    if (original.cause !== undefined) onInternal(original.cause);
    return { ...base, message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  // Rolled back whole (a deadlock, or a lost Galera certification): nothing changed, and the same request may pass.
  if (original instanceof DeadlockException) {
    return {
      ...base,
      message: 'The server was busy with a conflicting change; try again.',
      extensions: { code: ErrorCode.UNAVAILABLE, retryAfterSeconds: 1 },
    };
  }
  if (original instanceof GraphQLError && original.extensions?.code === ErrorCode.UNAUTHENTICATED) {
    return { ...base, message: original.message, extensions: { code: ErrorCode.UNAUTHENTICATED } };
  }
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  // Apollo wraps graphql-js's validation errors, so their originalError is a GraphQLError too; an error of any
  // other kind underneath came from our own code and is masked.
  const internal =
    error instanceof GraphQLError &&
    error.originalError !== undefined &&
    !(error.originalError instanceof GraphQLError);
  if (!internal && (code === undefined || TRANSPORT_CODES.has(code))) {
    const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions: { ...extensions, code: code ?? 'GRAPHQL_VALIDATION_FAILED' } };
  }
  onInternal(original);
  return { ...base, message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
