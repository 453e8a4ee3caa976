import { GraphQLScalarType, Kind } from 'graphql';

const toDate = (value: unknown): Date => {
  const date = typeof value === 'string' ? new Date(value) : value instanceof Date ? value : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string.');
  return date;
};

/** The contract's `DateTime`: an ISO-8601 string in UTC with milliseconds (2026-01-31T12:00:00.000Z). */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time, serialised as an ISO-8601 string in UTC (2026-01-31T12:00:00.000Z).',
  serialize: (value) => toDate(value).toISOString(),
  parseValue: toDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be an ISO-8601 string.');
    return toDate(ast.value);
  },
});
