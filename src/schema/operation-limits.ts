import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

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
  /**
   * The cost of an operation, computed with the variables it runs with: 1 per field, a list field's selection
   * counted as often as it may repeat (`first`/`last` for history, {@link OPERATION_LIMITS.channelsAssumed} for
   * `channels`). A page of 100 messages with every field costs about 1,400.
   */
  maxCost: 5000,
  /** How many channels `channels` is costed at (what a client may select per channel is bounded by it). */
  channelsAssumed: 100,
  /** History pages one operation may read, however many channels it lists. */
  maxHistoryPages: 20,
  /** History messages one operation may ask for (the sizes of its pages added up). */
  maxHistoryMessages: 300,
  /** Bytes of one HTTP body or one WebSocket message. */
  maxRequestBytes: 100 * 1024,
  /** How long a query or mutation field may take before the client gets INTERNAL_SERVER_ERROR. */
  resolverTimeoutMs: 15_000,
} as const;

/**
 * Refusals are reported like any validation error (graphql-armor would throw them out of `validate`), without the
 * "Syntax Error: " graphql-armor puts before them: the document parsed; it is refused for what it asks.
 */
const report = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(
        new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
          nodes: error.nodes,
          extensions: error.extensions,
        }),
      ),
  ],
};

/** The limits as validation rules; Apollo takes them beside graphql-js's own. The cost needs the variables: see {@link costError}. */
export const LIMIT_RULES: readonly ValidationRule[] = [
  // Introspection counts: nested `ofType` selections are the one way to build deep documents on this schema.
  maxDepthRule({ n: OPERATION_LIMITS.maxDepth, ignoreIntrospection: false, ...report }),
  maxAliasesRule({ n: OPERATION_LIMITS.maxAliases, ...report }),
];

/**
 * How often a field's selection may repeat: history and member pages by their size, the channel list by its assumed
 * length.
 */
const repeats: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const repeat =
    field.name === 'messages' && (type.name === 'Query' || type.name === 'Channel')
      ? // A size out of range is refused by the field itself, without reading anything.
        Math.min(Math.max(Number(args.first ?? args.last ?? 50) || 1, 1), 100)
      : field.name === 'members' && type.name === 'Channel'
        ? Math.min(Math.max(Number(args.first ?? 50) || 1, 1), 100)
        : type.name === 'Query' && field.name === 'channels'
          ? OPERATION_LIMITS.channelsAssumed
          : 1;
  return 1 + repeat * childComplexity;
};

/**
 * The cost refusal of an operation, computed on the variables it runs with (a variable counts as much as the same
 * literal), or undefined when it is within {@link OPERATION_LIMITS.maxCost}. Fragments are counted as spread, with
 * graphql-query-complexity's own bound on how many nodes it expands.
 */
export function costError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | null | undefined,
): GraphQLError | undefined {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [repeats],
    });
  } catch (error) {
    // Too many nodes to expand (a fragment bomb), or variables that do not fit: either way not run.
    return new GraphQLError(
      `The operation cannot be costed: ${error instanceof Error ? error.message : String(error)}`,
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    );
  }
  if (cost <= OPERATION_LIMITS.maxCost) return undefined;
  return new GraphQLError(
    `The operation costs ${cost}, more than the ${OPERATION_LIMITS.maxCost} allowed; ask for fewer items or fields.`,
    { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost: OPERATION_LIMITS.maxCost } },
  );
}

/** The validation rules of every operation: the limits, and no introspection when it is turned off. */
export function operationRules(introspection: boolean): readonly ValidationRule[] {
  return introspection ? LIMIT_RULES : [...LIMIT_RULES, NoSchemaIntrospectionCustomRule];
}

/**
 * Parses and validates a document as Apollo does for HTTP, for graphql-ws: refusals carry GRAPHQL_PARSE_FAILED or
 * GRAPHQL_VALIDATION_FAILED, like Apollo's.
 */
export function checkOperation(
  schema: GraphQLSchema,
  source: string,
  rules: readonly ValidationRule[] = LIMIT_RULES,
): DocumentNode | readonly GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: OPERATION_LIMITS.maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Syntax Error';
    return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const errors = validate(schema, document, [...specifiedRules, ...rules]);
  if (errors.length === 0) return document;
  return errors.map(
    (e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  );
}

/** Drops graphql-js's "Did you mean …?" hints, which spell out the schema to a client probing it. */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
}
