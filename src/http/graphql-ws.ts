import type { IncomingMessage } from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import proxyaddr from 'proxy-addr';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Metrics } from '../metrics';
import { buildContext, bearerToken, type Context, type ContextBase } from '../schema/context';
import { tooManyOperations } from '../errors';
import { checkedDocuments } from '../schema/checked-documents';
import { costError } from '../schema/operation-limits';
import type { Quota } from '../quota';
import { sharedSubscribe, subscriptionKey } from './shared-subscribe';
import { type DocumentNode, execute, getOperationAST, GraphQLError, OperationTypeNode } from 'graphql';
import { isAsyncIterable } from '../schema/async-iterable';
import { coalesceWrites } from './coalesced-writes';
import { ErrorCode } from '../errors';

interface SocketState {
  token: string | undefined;
  sessionId: string | undefined;
  userId: string | undefined;
  clientAddress: string;
  /** Operations of the socket in progress, from their Subscribe message until they have run or their stream ended. */
  inProgress: number;
}

export interface GraphqlWsOptions {
  schema: GraphQLSchema;
  context: ContextBase;
  /** Express's compiled `trust proxy` function, so sockets read the client address as HTTP requests do. */
  trustProxy: (address: string, hop: number) => boolean;
  formatError: (error: GraphQLError) => GraphQLFormattedError;
  /** How often sockets are checked for sessions that ended (logout elsewhere, expiry). */
  sessionCheckMs: number;
  metrics: Metrics;
  /** graphql-js's rules and these too (operationRules). */
  validationRules: readonly ValidationRule[];
  /** Queries and mutations in progress per user, shared with HTTP (userOperationsPlugin). */
  userOperations: Quota;
  /** Signed-in sockets one user may hold open on this instance. */
  maxSocketsPerUser: number;
  /** Operations (subscriptions included) in progress at once on one socket. */
  maxOperationsPerSocket: number;
  /**
   * Where a socket's own errors go (a frame over the size limit, a protocol error); `ws` has already closed the
   * socket with the matching code (1009, 1002) when it reports one.
   */
  onSocketError: (error: Error) => void;
}

export interface GraphqlWsServer {
  /** Closes, within the next check, the sockets of sessions that are no longer active. Runs on a timer too. */
  checkSessions(): Promise<void>;
  /** Closes the sockets of a session that ended (logout), with 4403, at once. */
  sessionEnded(sessionId: string): void;
  dispose(): Promise<void>;
}

/**
 * graphql-ws on a `ws` server: `connectionParams.authToken` (with or without `Bearer `) authenticates the socket.
 *
 * A token that is malformed, unknown, revoked or expired closes the socket with 4403 at `connection_init`; a socket
 * without a token stays anonymous. Each operation re-reads its session, and a timer closes (4403) the sockets whose
 * session has ended, so logout and expiry take effect within `sessionCheckMs`.
 */
export function serveGraphqlWs(wss: WebSocketServer, options: GraphqlWsOptions): GraphqlWsServer {
  const { services } = options.context;
  const sockets = new Map<WebSocket, SocketState>();
  /** Each checked document's source text: subscribers of the same text share executions (shared-subscribe.ts). */
  const sources = new WeakMap<DocumentNode, string>();
  /** Documents parsed and validated once per source text (a socket's sends repeat one mutation). */
  const check = checkedDocuments(options.schema, options.validationRules);

  // Before graphql-ws's own listener: the frames of one turn go out together (see coalesceWrites).
  wss.on('connection', (socket) => coalesceWrites(socket));
  const cleanup = useServer<Record<string, unknown> | undefined, { state?: SocketState }>(
    {
      schema: options.schema,
      // An operation ends its place on the socket (and its user's) once it has run, or once its stream has ended:
      // graphql-ws forgets an operation the client completes early, so its own count cannot be the limit's.
      execute: async (args) => {
        try {
          return await execute(args);
        } finally {
          (args.contextValue as Context).done?.();
        }
      },
      subscribe: async (args) => {
        const done = (args.contextValue as Context).done ?? (() => undefined);
        try {
          const result = await shared(args);
          if (!isAsyncIterable(result)) done();
          return isAsyncIterable(result) ? endsWith(result, done) : result;
        } catch (error) {
          done();
          throw error;
        }
      },
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const clientAddress = proxyaddr(
          ctx.extra.request as IncomingMessage & { connection: never },
          options.trustProxy,
        );
        const state: SocketState = {
          token: undefined,
          sessionId: undefined,
          userId: undefined,
          clientAddress,
          inProgress: 0,
        };
        const raw = params.authToken ?? params.Authorization ?? params.authorization;
        if (raw !== undefined && raw !== null) {
          const token = bearerToken(raw);
          let viewer;
          try {
            viewer = token ? await services.auth.authenticate(token) : null;
          } catch {
            // The token could not be checked (database unreachable): 1013 Try Again Later, which clients retry,
            // rather than the 4500 graphql-ws would send and clients treat as final.
            ctx.extra.socket.close(1013, 'Try again later');
            return false;
          }
          if (!viewer) return false;
          const held = [...sockets.values()].filter((other) => other.userId === viewer.user.id).length;
          if (held >= options.maxSocketsPerUser) {
            // 4429, as graphql-ws itself answers too many connection_init: a client may retry after closing one.
            ctx.extra.socket.close(4429, `At most ${options.maxSocketsPerUser} connections per user`);
            return false;
          }
          state.token = token;
          state.sessionId = viewer.session.id;
          state.userId = viewer.user.id;
        }
        ctx.extra.state = state;
        sockets.set(ctx.extra.socket, state);
        options.metrics.sockets.set(sockets.size);
        return true;
      },
      onClose: (ctx) => {
        sockets.delete(ctx.extra.socket);
        options.metrics.sockets.set(sockets.size);
      },
      // The same parse and validation limits as HTTP (src/schema/operation-limits.ts). The context is built here
      // so that a failure (database unreachable) ends this operation with INTERNAL_SERVER_ERROR; thrown from
      // graphql-ws's `context` it would close the socket, and every other subscription on it, with 4500.
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => options.formatError(e)),
      onSubscribe: async (ctx, _id, payload) => {
        const state = ctx.extra.state!;
        if (state.inProgress >= options.maxOperationsPerSocket) {
          return [
            new GraphQLError(
              `At most ${options.maxOperationsPerSocket} operations at once on one connection; complete one first.`,
              { extensions: { code: ErrorCode.BAD_USER_INPUT } },
            ),
          ];
        }
        const operation = begin(state);
        const refuse = (errors: readonly GraphQLError[]) => {
          operation.done();
          return errors;
        };
        try {
          const checked = check(payload.query);
          if (!('kind' in checked)) return refuse(checked);
          const tooCostly = costError(options.schema, checked, payload.variables ?? undefined, payload.operationName);
          if (tooCostly) return refuse([tooCostly]);
          sources.set(checked, payload.query);
          if (
            state.userId !== undefined &&
            getOperationAST(checked, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION
          ) {
            const release = options.userOperations.take(state.userId);
            if (!release) {
              const refusal = tooManyOperations(options.userOperations.limit);
              return refuse([new GraphQLError(refusal.message, { originalError: refusal })]);
            }
            operation.also(release);
          }
          let contextValue: Context;
          try {
            contextValue = await buildContext(options.context, state.token, state.clientAddress);
          } catch (error) {
            return refuse([new GraphQLError('Internal server error.', { originalError: error as Error })]);
          }
          return {
            schema: options.schema,
            document: checked,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: { ...contextValue, done: operation.done },
          };
        } catch (error) {
          operation.done();
          throw error;
        }
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => options.formatError(e)) } : result,
    },
    wss,
  );

  // In place of graphql-ws's own listener, which prints the client's error with a stack trace to the console.
  wss.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', options.onSocketError);
  });

  const shared = sharedSubscribe(subscriptionKey(sources));

  const checkSessions = async () => {
    const signedIn = [...sockets].filter(([, s]) => s.sessionId !== undefined);
    if (signedIn.length === 0) return;
    const active = await services.auth.activeSessions(signedIn.map(([, s]) => s.sessionId!));
    for (const [socket, state] of signedIn) {
      if (!active.has(state.sessionId!)) socket.close(CloseCode.Forbidden, 'Session ended');
    }
  };
  const timer = setInterval(() => void checkSessions().catch(() => undefined), options.sessionCheckMs);
  timer.unref();

  return {
    checkSessions,
    sessionEnded: (sessionId) => {
      for (const [socket, state] of sockets) {
        if (state.sessionId === sessionId) socket.close(CloseCode.Forbidden, 'Session ended');
      }
    },
    dispose: async () => {
      clearInterval(timer);
      await cleanup.dispose();
    },
  };
}

/** Counts an operation of a socket in progress; `done` (which may be called more than once) ends it. */
function begin(state: SocketState): { done: () => void; also: (release: () => void) => void } {
  state.inProgress += 1;
  const releases: (() => void)[] = [];
  let ended = false;
  return {
    done: () => {
      if (ended) return;
      ended = true;
      state.inProgress -= 1;
      for (const release of releases) release();
    },
    also: (release) => releases.push(release),
  };
}

/** The same stream, calling `done` once when it ends: exhausted, returned, thrown into, or failing. */
function endsWith<T>(stream: AsyncIterable<T>, done: () => void): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  const generator: AsyncGenerator<T> = {
    [Symbol.asyncIterator]: () => generator,
    next: async () => {
      try {
        const result = await iterator.next();
        if (result.done) done();
        return result;
      } catch (error) {
        done();
        throw error;
      }
    },
    return: async (value?: unknown) => {
      done();
      return (await iterator.return?.(value)) ?? { value: undefined, done: true };
    },
    throw: async (error?: unknown) => {
      done();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
  return generator;
}
