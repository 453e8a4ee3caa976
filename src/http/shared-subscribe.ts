import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';

/**
 * graphql-js's `subscribe`, except that subscribers whose documents are the same share one execution per event.
 *
 * graphql-js executes a subscription's selection once per subscriber per event; with 10,000 sockets on a channel
 * that is 10,000 executions of the same selection on the same message. The bridge hands every local subscriber of
 * a channel the same event object, so results are cached per event object (a WeakMap: they go when the event
 * goes) and per document key. `keyOf` decides which documents are the same; it must leave out whatever does not
 * change the result (our `afterSeq` only chooses where the stream starts), and the selection must not depend on
 * the context (no Message field does: every subscriber of a channel may see the same fields).
 */
export function sharedSubscribe(keyOf: (args: ExecutionArgs) => string) {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  return async (args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const key = keyOf(args);
    const events = stream[Symbol.asyncIterator]();
    const resultFor = (event: unknown): Promise<ExecutionResult> => {
      if (typeof event !== 'object' || event === null) return Promise.resolve(execute({ ...args, rootValue: event }));
      let byKey = results.get(event);
      if (!byKey) results.set(event, (byKey = new Map<string, Promise<ExecutionResult>>()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = Promise.resolve(execute({ ...args, rootValue: event }))));
      return result;
    };
    const generator: AsyncGenerator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => generator,
      next: async () => {
        const next = await events.next();
        return next.done ? { value: undefined, done: true } : { value: await resultFor(next.value), done: false };
      },
      return: async () => {
        await events.return?.();
        return { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        await events.return?.();
        throw error;
      },
    };
    return generator;
  };
}

/** The key of a subscription document: its text, operation and variables but `afterSeq`. */
export function subscriptionKey(sources: WeakMap<DocumentNode, string>) {
  return (args: ExecutionArgs): string => {
    const { afterSeq: _startOnly, ...variables } = (args.variableValues ?? {}) as Record<string, unknown>;
    return `${sources.get(args.document) ?? ''}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(variables)}`;
  };
}
