import { type ExecutionResult, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { sharedSubscribe, subscriptionKey } from '../../src/http/shared-subscribe';

/** A schema whose subscription field counts how often its selection is executed. */
function countingSchema(events: () => AsyncIterable<{ id: string }>) {
  const calls = { body: 0 };
  const Message = new GraphQLObjectType({
    name: 'Message',
    fields: {
      id: { type: GraphQLString },
      body: { type: GraphQLString, resolve: (m: { id: string }) => (calls.body++, `body of ${m.id}`) },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        messageAdded: {
          type: Message,
          args: { channelId: { type: GraphQLString }, afterSeq: { type: GraphQLString } },
          subscribe: events,
          resolve: (event: unknown) => event,
        },
      },
    }),
  });
  return { schema, calls };
}

/** One event object handed to every subscriber, as the bridge does. */
function broadcast() {
  const queues: ((value: { id: string }) => void)[] = [];
  return {
    events: () =>
      (async function* () {
        for (;;) yield await new Promise<{ id: string }>((resolve) => queues.push(resolve));
      })(),
    emit: (event: { id: string }) => queues.splice(0).forEach((resolve) => resolve(event)),
  };
}

describe('sharedSubscribe', () => {
  const QUERY =
    'subscription ($c: String, $afterSeq: String) { messageAdded(channelId: $c, afterSeq: $afterSeq) { id body } }';

  it('executes the selection once per event for subscribers of the same document, whatever their afterSeq', async () => {
    const { events, emit } = broadcast();
    const { schema, calls } = countingSchema(events);
    const sources = new WeakMap();
    const subscribe = sharedSubscribe(subscriptionKey(sources));
    const open = async (variables: Record<string, unknown>, query = QUERY) => {
      const document = parse(query);
      sources.set(document, query);
      const stream = (await subscribe({
        schema,
        document,
        variableValues: variables,
      })) as AsyncGenerator<ExecutionResult>;
      return stream;
    };
    const streams = await Promise.all([
      open({ c: 'general' }),
      open({ c: 'general', afterSeq: '5' }),
      open({ c: 'general' }),
    ]);
    const other = await open({ c: 'general' }, 'subscription ($c: String) { messageAdded(channelId: $c) { body } }');
    const firsts = [...streams, other].map((s) => s.next());
    await new Promise((resolve) => setImmediate(resolve));
    emit({ id: 'm1' });
    const results = await Promise.all(firsts);

    expect(results.map((r) => r.value)).toEqual([
      { data: { messageAdded: { id: 'm1', body: 'body of m1' } } },
      { data: { messageAdded: { id: 'm1', body: 'body of m1' } } },
      { data: { messageAdded: { id: 'm1', body: 'body of m1' } } },
      { data: { messageAdded: { body: 'body of m1' } } },
    ]);
    // Three subscribers of one document share an execution; the other document has its own.
    expect(calls.body).toBe(2);
    expect(results[0].value).toBe(results[1].value);
    for (const stream of [...streams, other]) await stream.return(undefined);
  });

  it('does not share between different variables (another channel) or between events', async () => {
    const { events, emit } = broadcast();
    const { schema, calls } = countingSchema(events);
    const sources = new WeakMap();
    const subscribe = sharedSubscribe(subscriptionKey(sources));
    const document = parse(QUERY);
    sources.set(document, QUERY);
    const a = (await subscribe({ schema, document, variableValues: { c: 'a' } })) as AsyncGenerator<ExecutionResult>;
    const b = (await subscribe({ schema, document, variableValues: { c: 'b' } })) as AsyncGenerator<ExecutionResult>;
    for (const id of ['m1', 'm2']) {
      const pending = [a.next(), b.next()];
      await new Promise((resolve) => setImmediate(resolve));
      emit({ id });
      await Promise.all(pending);
    }
    expect(calls.body).toBe(4);
    await a.return(undefined);
    await b.return(undefined);
  });
});
