import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema, OperationTypeNode } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { badInput, tooManyOperations } from '../errors';
import type { Quota } from '../quota';
import type { Context } from './context';
import { costError, OPERATION_LIMITS } from './operation-limits';

/**
 * An Apollo plugin that refuses, before execution and with 400, a subscription sent over HTTP (they are served over
 * graphql-ws at the same path) and an operation whose cost with its variables is over the limit.
 */
export function httpOperationPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operation }) {
          // `http` sets the status (Apollo reads it, and drops it from the answer).
          if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
            throw new GraphQLError('Subscriptions are served over WebSockets (graphql-transport-ws) at /graphql.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          const error = costError(schema, document, request.variables, request.operationName);
          if (error)
            throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}

/**
 * Takes a history page of `size` messages from the operation's allowance (read by `Query.messages` and
 * `Channel.messages`), before the page is read.
 *
 * @throws DomainError BAD_USER_INPUT past {@link OPERATION_LIMITS.maxHistoryPages} pages, or once the pages of the
 * operation would ask for more than {@link OPERATION_LIMITS.maxHistoryMessages} messages.
 */
export function takeHistoryPage(context: Pick<Context, 'allowance'>, size: number): void {
  const { allowance } = context;
  if (allowance.historyPages < 1 || allowance.historyMessages < size) {
    throw badInput(
      'messages',
      `One operation may read at most ${OPERATION_LIMITS.maxHistoryPages} pages and ${OPERATION_LIMITS.maxHistoryMessages} messages; ask for fewer channels or smaller pages at once.`,
    );
  }
  allowance.historyPages -= 1;
  allowance.historyMessages -= size;
}

/**
 * For HTTP: takes a place in the user's quota of operations in progress for a request, held until its response has
 * been sent (a client that does not read its answer keeps its place), and marks the context over quota when there
 * is none; {@link overQuotaPlugin} then refuses the operation before it runs.
 */
export function holdUserPlace(
  context: Context,
  quota: Quota,
  response: { once(event: 'close', f: () => void): unknown },
) {
  const userId = context.viewer?.user.id;
  if (userId === undefined) return context;
  const release = quota.take(userId);
  if (release) response.once('close', release);
  return { ...context, overQuota: release ? undefined : quota.limit };
}

/** An Apollo plugin that refuses with RATE_LIMITED (429), before it runs, an operation marked over its user's quota. */
export function overQuotaPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue }) {
          if (contextValue.overQuota === undefined) return;
          const refusal = tooManyOperations(contextValue.overQuota);
          throw new GraphQLError(refusal.message, { originalError: refusal, extensions: { http: { status: 429 } } });
        },
      };
    },
  };
}

/**
 * Fails a query or mutation field that takes longer than the context's `resolverTimeoutMs` with
 * INTERNAL_SERVER_ERROR (the work may still finish: sends are idempotent by clientMessageId, so a client retries
 * safely). Put on every resolver class; subscription events are not timed.
 */
export const ResolverTimeout: MiddlewareFn<Context> = async ({ info, context }, next): Promise<unknown> => {
  if (info.parentType.name === 'Subscription') return next() as Promise<unknown>;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      next() as Promise<unknown>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`${info.parentType.name}.${info.fieldName} took longer than ${context.resolverTimeoutMs} ms`),
            ),
          context.resolverTimeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};
