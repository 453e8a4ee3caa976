import fc from 'fast-check';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { uniqueId } from '../support/chat';
import { count, rows } from '../support/db';
import { type GraphqlResponse, gql } from '../support/graphql';
import { HOSTILE_STRINGS } from '../support/hostile-strings';
import { LiveSubscription } from '../support/live';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

/** The codes a refusal may carry: the contract's (never INTERNAL_SERVER_ERROR here) and GraphQL's own. */
const REFUSALS = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'TIER_REQUIRED',
  'INVALID_CODE',
  'WRONG_PASSWORD',
  'RATE_LIMITED',
  'PAYMENT_UNAVAILABLE',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
]);

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...HOSTILE_STRINGS, '', '   ', '\u0000', 'tab\there', 'a\u0007b'),
  fc.string({ minLength: 3995, maxLength: 4010, unit: fc.constantFrom('a', ' ', 'é', '\n') }),
);
const anything = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })),
);
/** Mostly well-typed, sometimes anything at all. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anything });

describe.each(eachProfile)('fuzzing (%s)', (_name, profile) => {
  let server: TestServer;
  const general = defaultChannelId('general');
  let others: { privateId: string; passwordId: string };

  const chat = useChatServer(profile, {
    relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
    env: { LOGIN_CODES_PER_ADDRESS_PER_HOUR: '100000' },
  });
  beforeAll(async () => {
    server = chat.server;
    const stranger = await chat.user('stranger', Tier.PRO);
    others = {
      privateId: await stranger.createChannel('PRIVATE'),
      passwordId: await stranger.createChannel('PASSWORD', uniqueId('club'), 'right horse'),
    };
  });

  /** The strings of the input, which GraphQL's own messages may quote back (they are no leak). */
  const stringsOf = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : value && typeof value === 'object'
        ? Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)])
        : [];

  /** Every error carries a refusal code, no internals, and the HTTP status is never 5xx. */
  const expectCleanRefusals = (res: GraphqlResponse, variables: unknown) => {
    expect(res.status).toBeLessThan(500);
    // (Three characters or more: stripping shorter ones could break up a real leak.)
    const quoted = stringsOf(variables).filter((text) => text.length >= 3);
    for (const error of res.errors ?? []) {
      expect(REFUSALS).toContain(error.extensions?.code);
      // What the server says of itself, without the input it quotes (a random "Er_" is not a MySQL error code).
      const own = quoted.reduce((message, text) => message.split(text).join(''), error.message);
      expect(own).not.toMatch(/node_modules|\bat \/|SQL|sqlite|mysql|ER_/i);
      expect(error.extensions).not.toHaveProperty('stacktrace');
    }
  };

  it('answers every mutation with arbitrary input by a contract code or a change that matches the answer', async () => {
    const users = await Promise.all([0, 1, 2].map((i) => chat.user(`fuzz${i}`, Tier.PRO)));
    const live = await LiveSubscription.from(users[0], general);
    const channelId = field(fc.constantFrom(general, others.privateId, others.passwordId, 'no-such-channel'));
    const mutation = fc.oneof(
      fc.record({
        query: fc.constant(
          'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id channelId body clientMessageId } }',
        ),
        variables: fc.record({
          input: fc.record({ channelId, body: field(text), clientMessageId: field(fc.oneof(fc.uuid(), text)) }),
        }),
      }),
      fc.record({
        query: fc.constant('mutation ($input: CreateChannelInput!) { createChannel(input: $input) { id name kind } }'),
        variables: fc.record({
          input: fc.record({
            name: field(text),
            kind: field(fc.constantFrom('PRIVATE', 'PASSWORD', 'DEFAULT', 'PUBLIC')),
            password: field(fc.option(text)),
          }),
        }),
      }),
      fc.record({
        query: fc.constant('mutation ($id: ID!, $p: String) { joinChannel(channelId: $id, password: $p) { id } }'),
        variables: fc.record({ id: channelId, p: field(fc.option(text)) }),
      }),
      fc.record({
        query: fc.constant('mutation ($id: ID!) { leaveChannel(channelId: $id) }'),
        variables: fc.record({ id: channelId }),
      }),
      fc.record({
        query: fc.constant('mutation ($n: String!) { updateDisplayName(displayName: $n) { displayName } }'),
        variables: fc.record({ n: field(text) }),
      }),
      fc.record({
        query: fc.constant('mutation ($e: String!) { requestLoginCode(email: $e) { email } }'),
        variables: fc.record({ e: field(fc.oneof(fc.emailAddress(), text)) }),
      }),
      fc.record({
        query: fc.constant('mutation ($e: String!, $c: String!) { verifyLoginCode(email: $e, code: $c) { token } }'),
        variables: fc.record({ e: field(fc.emailAddress()), c: field(fc.oneof(fc.stringMatching(/^\d{6}$/), text)) }),
      }),
      fc.record({
        query: fc.constant('mutation ($p: ID!) { startCheckout(planId: $p) { id } }'),
        variables: fc.record({ p: field(fc.constantFrom('PLUS_30D', 'PRO_30D', 'FREE_FOREVER')) }),
      }),
    );

    const stored: string[] = [];
    await fc.assert(
      fc.asyncProperty(mutation, fc.nat(2), async ({ query, variables }, who) => {
        const user = users[who];
        const messagesBefore = await count(server, 'messages');
        const channelsBefore = await count(server, 'channels');
        const res = await gql(server.url, query, variables as Record<string, unknown>, user.token);
        expectCleanRefusals(res, variables);
        const refused = (res.errors ?? []).length > 0;
        if (query.includes('sendMessage')) {
          const input = (variables as { input: { body: unknown } }).input;
          if (refused) expect(await count(server, 'messages')).toBe(messagesBefore);
          else {
            const message = res.data!.sendMessage;
            expect(message.body).toBe(String(input.body).replace(/\s+$/, ''));
            const [row] = await rows<any>(server, 'select body from messages where id = ?', [message.id]);
            expect(row.body).toBe(message.body);
            if (message.channelId === general && !stored.includes(message.id)) stored.push(message.id);
          }
        }
        if (query.includes('createChannel')) {
          // A refused creation adds nothing; an accepted one adds one channel.
          expect(await count(server, 'channels')).toBe(channelsBefore + (refused ? 0 : 1));
        }
      }),
      { numRuns: 150 },
    );

    // The live subscriber saw exactly the messages stored in #general, and nothing refused.
    await live.waitFor(() => stored.every((id) => live.messages.some((m) => m.id === id)), 'the stored messages');
    const storedGeneral = await rows<any>(
      server,
      'select id from messages where channel_id = ? and seq > ? order by seq',
      [general, live.messages.length ? live.messages[0].seq - 1 : Number.MAX_SAFE_INTEGER],
    );
    expect(live.messages.map((m) => m.id)).toEqual(storedGeneral.map((r) => r.id));
    await live.close();
  });

  it('drops every malformed, forged or unsigned MQTT payload reaching the bridge, and keeps delivering', async () => {
    const user = await chat.user('listener');
    const live = await LiveSubscription.from(user, general);
    const topic = (id: string) => `${server.topicPrefix}/channel/${id}`;
    const lastSeq = async () =>
      (await rows<any>(server, 'select max(seq) as s from messages where channel_id = ?', [general]))[0].s as number;
    const genuine = async (): Promise<Record<string, any>> => {
      const [m] = await rows<any>(
        server,
        'select id, seq, body, created_at from messages where channel_id = ? order by seq desc limit 1',
        [general],
      );
      return {
        v: 1,
        type: 'message.created',
        message: {
          id: `forged-${m.id}`.slice(0, 60),
          channelId: general,
          seq: (await lastSeq()) + 1,
          kind: 'USER',
          body: 'forged',
          sender: { id: 'nobody', displayName: 'admin' },
          systemEvent: null,
          clientMessageId: null,
          createdAt: new Date().toISOString(),
        },
      };
    };
    // Each mutation makes the payload invalid for the bridge's schema, with the seq the channel expects next.
    const breakages: [string, unknown][] = [
      ['v', 2],
      ['v', '1'],
      ['type', 'message.deleted'],
      ['id', ''],
      ['id', 5],
      ['id', 'x'.repeat(65)],
      ['channelId', 'another-channel'],
      ['channelId', null],
      ['seq', '7'],
      ['seq', -1],
      ['seq', 0],
      ['seq', 1.5],
      ['seq', null],
      ['kind', 'ADMIN'],
      ['kind', 1],
      ['body', 5],
      ['body', null],
      ['body', 'x'.repeat(20_001)],
      ['sender', 'admin'],
      ['sender', { id: '', displayName: 'x' }],
      ['systemEvent', 'PWNED'],
      ['clientMessageId', 5],
      ['createdAt', 'yesterday'],
      ['createdAt', 5],
    ];
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ raw: Buffer.from(bytes), to: general })),
      fc.jsonValue({ maxDepth: 3 }).map((value) => ({ raw: Buffer.from(JSON.stringify(value)), to: general })),
      fc.constantFrom(...breakages).map((breakage) => ({ breakage, to: general })),
      fc.constant({ raw: Buffer.alloc(300_000, 'x'), to: general }),
      fc.constant({ genuineTo: 'no-such-channel' }),
      // Well formed, unsigned, with the seq the channel expects next: what someone holding the server's broker
      // password (or any publisher on a broker without access control) could put on the topic.
      fc.constant({ genuineTo: general }),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        let raw: Buffer;
        let to = general;
        if ('raw' in p) raw = p.raw;
        else if ('breakage' in p) {
          const forged = await genuine();
          const [key, value] = p.breakage;
          if (key === 'v' || key === 'type') forged[key] = value;
          else forged.message[key] = value;
          raw = Buffer.from(JSON.stringify(forged));
        } else {
          raw = Buffer.from(JSON.stringify(await genuine()));
          to = p.genuineTo;
        }
        await server.app.broker.client.publishAsync(topic(to), raw, { qos: 1 });
      }),
      { numRuns: 80 },
    );

    // A real message still arrives, with the seq after the last stored one: nothing forged took its place.
    const sent = (await user.send(general, 'still here')).data!.sendMessage;
    await live.waitFor(() => live.messages.some((m) => m.id === sent.id), 'the real message');
    for (const message of live.messages) {
      const [row] = await rows<any>(server, 'select seq, body from messages where id = ?', [message.id]);
      expect(row).toEqual({ seq: message.seq, body: message.body });
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await live.close();
  });
});
