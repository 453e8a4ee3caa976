import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import type { Context } from './context';

/**
 * What one GraphQL operation may ask of the server, on HTTP and WebSocket alike. The repo's own client stays far
 * below each (its deepest selection is 5 levels, it uses no aliases); the limits stop documents built to exhaust
 * the server, and aliases that would multiply one request into many expensive fields.
 */
export const OPERATION_LIMITS = {
  /** Tokens in the document (graphql-js stops parsing beyond this). */
  maxTokens: 2000,
  /** The full introspection query (Sandbox, codegen) is 21 deep; the schema itself has no cycles. */
  maxDepth: 25,
  /** Aliased fields in one operation. */
  maxAliases: 10,
  /** graphql-armor's static cost: 2 per object, 1 per scalar, growing with depth. */
  maxCost: 3000,
  /** Bytes of one HTTP body or one WebSocket message. */
  maxRequestBytes: 100 * 1024,
  /** How long a query or mutation field may take before the client gets INTERNAL_SERVER_ERROR. */
  resolverTimeoutMs: 15_000,
} as const;

/** Refusals are reported like any validation error (graphql-armor would throw them out of `validate`). */
const report = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** The limits as validation rules; Apollo takes them beside graphql-js's own. */
export const LIMIT_RULES: readonly ValidationRule[] = [
  // Introspection counts: nested `ofType` selections are the one way to build deep documents on this schema.
  maxDepthRule({ n: OPERATION_LIMITS.maxDepth, ignoreIntrospection: false, ...report }),
  maxAliasesRule({ n: OPERATION_LIMITS.maxAliases, ...report }),
  costLimitRule({ maxCost: OPERATION_LIMITS.maxCost, ignoreIntrospection: true, ...report }),
];

/**
 * Parses and validates a document as Apollo does for HTTP, for graphql-ws: refusals carry GRAPHQL_PARSE_FAILED or
 * GRAPHQL_VALIDATION_FAILED, like Apollo's.
 */
export function checkOperation(schema: GraphQLSchema, source: string): DocumentNode | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: OPERATION_LIMITS.maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Syntax Error';
    return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const errors = validate(schema, document, [...specifiedRules, ...LIMIT_RULES]);
  if (errors.length === 0) return document;
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  );
}

/** Drops graphql-js's "Did you mean …?" hints, which spell out the schema to a client probing it. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
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
