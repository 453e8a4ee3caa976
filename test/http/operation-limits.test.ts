import { getIntrospectionQuery } from 'graphql';
import { createConnection } from 'mysql2/promise';
import WebSocket from 'ws';
import { OPERATION_LIMITS } from '../../src/schema/operation-limits';
import { defaultChannelId } from '../../src/services/channel.service';
import { Tier } from '../../src/entities';
import { type TestUser, uniqueId } from '../support/chat';
import { codesOf, gql, wsClient, wsQuery } from '../support/graphql';
import { describeReal, eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

/** `{ __type(name: "Channel") { ofType { ofType … } } }` nested `depth` levels. */
const deepIntrospection = (depth: number) =>
  `{ __type(name: "Channel") { ${'ofType { '.repeat(depth)}name${' }'.repeat(depth)} } }`;

/** Fragments that each spread the next one three times: few tokens, a cost that grows as 3^levels. */
const fragmentBomb = (levels: number) => {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1
      ? `fragment F${i} on Channel { id name lastSeq }`
      : `fragment F${i} on Channel { ...F${i + 1} ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ channels { ...F0 } } ${fragments.join(' ')}`;
};

const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

describe.each(eachProfile)('operation limits (%s)', (_name, profile) => {
  let server: TestServer;
  let user: TestUser;

  const chat = useChatServer(profile);
  beforeAll(async () => {
    server = chat.server;
    user = await chat.user('limits');
  });

  /** The same document over HTTP and over graphql-ws: the codes each answer carries. */
  const bothWays = async (query: string) => {
    const http = codesOf(await user.gql(query));
    const { client } = wsClient(server.url, { authToken: user.token });
    try {
      const ws = await wsQuery(client, query).then(codesOf, (errors: unknown) =>
        Array.isArray(errors)
          ? errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code)
          : [`closed ${(errors as { code?: number; reason?: string }).code} ${(errors as { reason?: string }).reason}`],
      );
      return { http, ws };
    } finally {
      await client.dispose();
    }
  };

  it('accepts the full introspection query (Apollo Sandbox, codegen) on both transports', async () => {
    expect(await bothWays(getIntrospectionQuery())).toEqual({ http: [], ws: [] });
  });

  it('refuses a document nested deeper than the limit on both transports', async () => {
    const deep = deepIntrospection(OPERATION_LIMITS.maxDepth);
    const { http, ws } = await bothWays(deep);
    expect(new Set([...http, ...ws])).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    // A validation error, told as one: the document parsed.
    expect((await user.gql(deep)).errors![0].message).toMatch(/^Query depth limit of 25 exceeded/);
  });

  it(`refuses more than ${OPERATION_LIMITS.maxAliases} aliases and accepts that many`, async () => {
    expect(await bothWays(aliased(OPERATION_LIMITS.maxAliases))).toEqual({ http: [], ws: [] });
    expect(await bothWays(aliased(OPERATION_LIMITS.maxAliases + 1))).toEqual({
      http: ['GRAPHQL_VALIDATION_FAILED'],
      ws: ['GRAPHQL_VALIDATION_FAILED'],
    });
    expect((await user.gql(aliased(OPERATION_LIMITS.maxAliases + 1))).errors![0].message).toMatch(/^Aliases limit/);
  });

  it('refuses a fragment bomb by its cost before running it', async () => {
    const small = fragmentBomb(2);
    expect(await bothWays(small)).toEqual({ http: [], ws: [] });
    const bomb = fragmentBomb(10); // 3^9 spreads of three fields, in a few hundred bytes
    expect(bomb.length).toBeLessThan(1000);
    expect(await bothWays(bomb)).toEqual({ http: ['GRAPHQL_VALIDATION_FAILED'], ws: ['GRAPHQL_VALIDATION_FAILED'] });
    const deeper = fragmentBomb(60); // past graphql-query-complexity's bound on nodes: refused, not expanded
    expect(await bothWays(deeper)).toEqual({ http: ['GRAPHQL_VALIDATION_FAILED'], ws: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  /** One operation with variables over HTTP and graphql-ws: the codes each answer carries. */
  const bothWaysWith = async (query: string, variables: Record<string, unknown>, as = user) => {
    const http = await as.gql(query, variables);
    const { client } = wsClient(server.url, { authToken: as.token });
    try {
      const ws = await wsQuery(client, query, variables).then(codesOf, (errors: unknown) =>
        Array.isArray(errors) ? errors.map((e: { extensions?: { code?: string } }) => e.extensions?.code) : ['closed'],
      );
      return { http: codesOf(http), ws, httpStatus: http.status, httpErrors: http.errors };
    } finally {
      await client.dispose();
    }
  };
  const PAGE = `edges { cursor node { id seq kind body systemEvent clientMessageId createdAt sender { id displayName } } }
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor }`;

  it('lets a client page 100 messages with every field, as a literal or a variable', async () => {
    const general = defaultChannelId('general');
    const literal = await bothWaysWith(`{ messages(channelId: "${general}", first: 100) { ${PAGE} } }`, {});
    expect([literal.http, literal.ws]).toEqual([[], []]);
    const variable = await bothWaysWith(
      `query ($id: ID!, $n: Int) { messages(channelId: $id, last: $n) { ${PAGE} } }`,
      {
        id: general,
        n: 100,
      },
    );
    expect([variable.http, variable.ws]).toEqual([[], []]);
  });

  it('costs an operation with the values of its variables: a variable hides nothing from the limit', async () => {
    const query = (aliases: number) =>
      `query ($n: Int) { ${Array.from(
        { length: aliases },
        (_, i) => `a${i}: channels { messages(last: $n) { edges { node { id body } } } }`,
      ).join(' ')} }`;
    const refused = await bothWaysWith(query(10), { n: 100 });
    expect([refused.http, refused.ws]).toEqual([['GRAPHQL_VALIDATION_FAILED'], ['GRAPHQL_VALIDATION_FAILED']]);
    expect(refused.httpStatus).toBe(400);
    expect(refused.httpErrors![0].message).toMatch(/costs \d+, more than the 5000 allowed/);
    // The same document with a page of one is within the cost, and runs.
    const cheap = await bothWaysWith(query(2), { n: 1 });
    expect([cheap.http, cheap.ws]).toEqual([[], []]);
  });

  it(`reads at most ${OPERATION_LIMITS.maxHistoryPages} history pages and ${OPERATION_LIMITS.maxHistoryMessages} messages in one operation, however many channels it lists`, async () => {
    const owner = await chat.user('many-rooms', Tier.PLUS);
    for (let i = 0; i < OPERATION_LIMITS.maxHistoryPages + 3; i++) await owner.createChannel('PRIVATE');
    const refusal = (path: (string | number)[]) =>
      expect.objectContaining({
        message: expect.stringMatching(/at most 20 pages and 300 messages/),
        path,
        extensions: { code: 'BAD_USER_INPUT', field: 'messages' },
      });
    // The 21st channel's page is refused (its non-null field then nulls the list, as GraphQL does).
    const pages = await owner.gql('{ channels { id messages(last: 1) { edges { node { id } } } } }');
    expect(pages.errors).toEqual([refusal(['channels', OPERATION_LIMITS.maxHistoryPages, 'messages'])]);
    // Three pages of 100 are read; the fourth would pass 300 messages.
    const general = defaultChannelId('general');
    const aliases = [0, 1, 2, 3].map(
      (i) => `p${i}: messages(channelId: "${general}", last: 100) { edges { node { id } } }`,
    );
    const messages = await owner.gql(`{ ${aliases.join(' ')} }`);
    expect(messages.errors).toEqual([refusal(['p3'])]);
  });

  it(`refuses a document of more than ${OPERATION_LIMITS.maxTokens} tokens while parsing`, async () => {
    const long = `{ me { ${'id '.repeat(OPERATION_LIMITS.maxTokens)} } }`;
    expect(await bothWays(long)).toEqual({ http: ['GRAPHQL_PARSE_FAILED'], ws: ['GRAPHQL_PARSE_FAILED'] });
  });

  it('refuses an HTTP body over the size limit with 413 and a GraphQL error, and closes an oversized socket message', async () => {
    const body = JSON.stringify({
      query: '{ me { id } }',
      variables: { pad: 'x'.repeat(OPERATION_LIMITS.maxRequestBytes) },
    });
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(codesOf((await res.json()) as never)).toEqual(['BAD_USER_INPUT']);

    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // The client's mistake goes to the JSON log, not to the console as a raw stack trace.
    const consoleError = jest.spyOn(console, 'error');
    try {
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(OPERATION_LIMITS.maxRequestBytes) } }),
      );
      expect(await closed).toBe(1009);
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
    expect(server.logs.join('')).toContain('a client sent a bad frame');
  });

  it('refuses batched HTTP requests, so one request cannot carry many sign-in tries', async () => {
    const email = `batch-${uniqueId()}@example.com`;
    await gql(server.url, 'mutation ($e: String!) { requestLoginCode(email: $e) { email } }', { e: email });
    const tries = Array.from({ length: 20 }, (_, i) => ({
      query: 'mutation ($e: String!, $c: String!) { verifyLoginCode(email: $e, code: $c) { token } }',
      variables: { e: email, c: String(100000 + i) },
    }));
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tries),
    });
    expect(res.status).toBe(400);
    // Nothing was tried: the first real try still has every attempt left.
    const first = await gql(server.url, tries[0].query, { e: email, c: '000000' });
    expect(first.errors?.[0].extensions).toMatchObject({ code: 'INVALID_CODE', attemptsLeft: 4 });
  });

  it('suggests field names outside production', async () => {
    const res = await user.gql('{ chanels { id } }');
    expect(res.errors?.[0].message).toMatch(/Did you mean "channels" or "channel"\?/);
  });
});

describe('operation limits in production (embedded profile)', () => {
  let server: TestServer;

  const chat = useChatServer(eachProfile[0][1], {
    env: {
      NODE_ENV: 'production',
      ALLOW_EMBEDDED: '1',
      AUTH_SECRET: 'q7Xv2LmP9sRt4WzK8nBc1HdF6gJy3UeA',
      WEB_APP: '0',
    },
  });
  beforeAll(async () => {
    server = chat.server;
  });

  it('refuses introspection on both transports', async () => {
    const http = await gql(server.url, getIntrospectionQuery());
    expect(new Set(codesOf(http))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect(http.data).toBeUndefined();
    expect(http.errors![0].message).toMatch(/introspection/i);
    const { client } = wsClient(server.url);
    try {
      const ws = await wsQuery(client, '{ __schema { types { name } } }').catch(
        (errors: { message: string }[]) => errors,
      );
      expect((ws as { message: string }[])[0].message).toMatch(/introspection/i);
    } finally {
      await client.dispose();
    }
    // A client's own typename still works.
    expect(codesOf(await gql(server.url, '{ __typename }'))).toEqual([]);
  });

  it('serves /metrics only with METRICS_TOKEN, which is unset here: 404', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('process_resident_memory_bytes');
    expect(server.logs.join('')).toContain('set METRICS_TOKEN');
  });

  it('gives no field suggestions on either transport', async () => {
    const http = await gql(server.url, '{ chanels { id } }');
    expect(codesOf(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.errors![0].message).toBe('Cannot query field "chanels" on type "Query".');
    const { client } = wsClient(server.url);
    try {
      const ws = await wsQuery(client, '{ chanels { id } }').catch((errors: { message: string }[]) => errors);
      expect((ws as { message: string }[])[0].message).toBe('Cannot query field "chanels" on type "Query".');
    } finally {
      await client.dispose();
    }
  });
});

describe('metrics behind a token (embedded profile)', () => {
  let server: TestServer;
  const token = 'metrics-token-0123456789';
  beforeAll(async () => {
    server = await startTestServer(eachProfile[0][1], { env: { METRICS_TOKEN: token } });
  });
  afterAll(() => server?.stop());

  it('answers 401 without the bearer token or with another one, and the metrics with it', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('process_resident_memory_bytes');
  });
});

describeReal('resolver timeout (%s)', (_name, profile) => {
  let server: TestServer;

  const chat = useChatServer(profile, { resolverTimeoutMs: 500 });
  beforeAll(async () => {
    server = chat.server;
  });

  it('answers INTERNAL_SERVER_ERROR when a mutation waits too long, and a retry stores the message once', async () => {
    const user = await chat.user('patient');
    const general = defaultChannelId('general');
    // Another transaction holds the channel row: the send waits for its lock.
    const blocker = await createConnection(server.databaseUrl);
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM channels WHERE id = ? FOR UPDATE', [general]);
    const clientMessageId = uniqueId('slow');
    try {
      const res = await user.send(general, 'held up', clientMessageId);
      expect(codesOf(res)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(res.errors![0].message).toBe('Internal server error.');
      expect(server.logs.join('')).toMatch(/Mutation.sendMessage took longer than 500 ms/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const retry = await user.send(general, 'held up', clientMessageId);
    expect(codesOf(retry)).toEqual([]);
    const stored = (await user.history(general)).data!.messages.edges.filter(
      (e) => e.node.clientMessageId === clientMessageId,
    );
    expect(stored).toHaveLength(1);
  });
});
