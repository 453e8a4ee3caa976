/** Whether a value is an async iterable (an execution's stream of results, rather than one result). */
export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
