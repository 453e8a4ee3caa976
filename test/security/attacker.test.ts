import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { CHANNEL, CREATE, HISTORY, JOIN, type TestUser, uniqueId } from '../support/chat';
import { count } from '../support/db';
import { codesOf, gql, wsClient, wsQuery } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { eachProfile } from '../support/profiles';
import { HOSTILE_STRINGS } from '../support/hostile-strings';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describe.each(eachProfile)('as an attacker would try (%s)', (profileName, profile) => {
  let server: TestServer;
  let owner: TestUser;
  let outsider: TestUser;
  let privateId: string;
  let passwordId: string;

  const chat = useChatServer(profile);
  beforeAll(async () => {
    server = chat.server;
    owner = await chat.user('owner', Tier.PRO);
    outsider = await chat.user('outsider');
    privateId = await owner.createChannel('PRIVATE');
    passwordId = await owner.createChannel('PASSWORD', uniqueId('club'), 'hunter22');
    for (const id of [privateId, passwordId]) await owner.send(id, 'secret plans');
  });

  describe('reading PRIVATE and PASSWORD channels by id, through every path', () => {
    it('Query.channel: a PRIVATE channel is not there; a PASSWORD channel shows no access, no lastSeq, no messages', async () => {
      expect((await outsider.gql(CHANNEL, { id: privateId })).data!.channel).toBeNull();
      const res = await outsider.gql(
        `query ($id: ID!) { channel(id: $id) { canAccess lastSeq messages { edges { node { body } } } } }`,
        {
          id: passwordId,
        },
      );
      expect(res.data?.channel ?? null).toBeNull(); // the non-null messages field failed, nulling the channel
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      const listed = await outsider.gql('{ channels { id canAccess lastSeq } }');
      expect(listed.data!.channels.find((c: any) => c.id === privateId)).toBeUndefined();
      expect(listed.data!.channels.find((c: any) => c.id === passwordId)).toEqual({
        id: passwordId,
        canAccess: false,
        lastSeq: 0,
      });
    });

    it('Query.messages: NOT_FOUND for PRIVATE, FORBIDDEN for PASSWORD, with no data', async () => {
      for (const [id, code] of [
        [privateId, 'NOT_FOUND'],
        [passwordId, 'FORBIDDEN'],
      ]) {
        const res = await outsider.gql(HISTORY, { id, last: 100 });
        expect(codesOf(res)).toEqual([code]);
        expect(res.data).toBeNull();
      }
    });

    it('Subscription.messageAdded: refused with the same codes, and nothing arrives, even with afterSeq 0', async () => {
      for (const [id, code] of [
        [privateId, 'NOT_FOUND'],
        [passwordId, 'FORBIDDEN'],
      ]) {
        const live = LiveSubscription.open(server.url, outsider.token, id, 0);
        await live.end();
        expect(live.errors?.map((e) => e.extensions?.code)).toEqual([code]);
        expect(live.messages).toEqual([]);
        await live.close();
      }
    });

    it('sendMessage and joinChannel without the password change nothing', async () => {
      const before = await count(server, 'messages');
      expect(codesOf(await outsider.send(privateId, 'let me in'))).toEqual(['NOT_FOUND']);
      expect(codesOf(await outsider.send(passwordId, 'let me in'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await outsider.gql(JOIN, { id: privateId, password: 'hunter22' }))).toEqual(['NOT_FOUND']);
      expect(codesOf(await outsider.gql(JOIN, { id: passwordId }))).toEqual(['BAD_USER_INPUT']);
      expect(await count(server, 'messages')).toBe(before);
    });

    it('mqttCredentials name neither topic, and (embedded broker) subscribing to them is refused', async () => {
      const { mqttCredentials: creds } = (
        await outsider.gql('{ mqttCredentials { url username password clientId topics } }')
      ).data!;
      const topics = [privateId, passwordId].map((id) => `${server.topicPrefix}/channel/${id}`);
      expect(creds.topics.filter((t: string) => topics.includes(t))).toEqual([]);
      expect(creds.topics).toContain(`${server.topicPrefix}/channel/${defaultChannelId('general')}`);
      if (profileName !== 'embedded') return; // Mosquitto's dynamic security: test/mqtt/dynsec.test.ts
      const client = await mqtt.connectAsync(creds.url, {
        username: creds.username,
        password: creds.password,
        clientId: creds.clientId,
        reconnectPeriod: 0,
      });
      try {
        for (const topic of topics) {
          // A failure SUBACK (0x80), which mqtt.js reports as an error.
          await expect(client.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/);
        }
      } finally {
        await client.endAsync();
      }
    });
  });

  describe('tokens that are not a live session', () => {
    const forged = () => randomBytes(32).toString('base64url');

    it('are refused on HTTP (UNAUTHENTICATED), at connection_init (4403) and, as MQTT passwords, at CONNECT', async () => {
      const victim = await chat.user('victim');
      const { mqttCredentials: creds } = (await victim.gql('{ mqttCredentials { url username password clientId } }'))
        .data!;
      await victim.gql('mutation { logout }');

      for (const token of [forged(), victim.token, `${victim.token}x`]) {
        expect(codesOf(await gql(server.url, '{ channels { id } }', {}, token))).toEqual(['UNAUTHENTICATED']);
        expect((await gql(server.url, '{ me { id } }', {}, token)).data).toEqual({ me: null });
        const { closed } = wsClient(server.url, { authToken: token });
        expect(await closed).toBe(4403);
      }
      if (profileName !== 'embedded') return; // Mosquitto: test/mqtt/dynsec.test.ts
      for (const password of [creds.password, forged()]) {
        await expect(
          mqtt.connectAsync(creds.url, {
            username: creds.username,
            password,
            clientId: creds.clientId,
            reconnectPeriod: 0,
          }),
        ).rejects.toThrow();
      }
    });

    it('an anonymous socket can run public queries but no subscription', async () => {
      const { client } = wsClient(server.url);
      try {
        expect((await wsQuery(client, '{ plans { id } }')).data!.plans.length).toBeGreaterThan(0);
        const refused = await wsQuery(
          client,
          `subscription { messageAdded(channelId: "${defaultChannelId('general')}") { id } }`,
        ).then(
          (r) => codesOf(r),
          (errors: { extensions?: { code?: string } }[]) => errors.map((e) => e.extensions?.code),
        );
        expect(refused).toEqual(['UNAUTHENTICATED']);
      } finally {
        await client.dispose();
      }
    });
  });

  describe('hostile strings in every text input', () => {
    it.each(HOSTILE_STRINGS.filter((text) => !/\u202E/.test(text)))(
      'stores and returns %j verbatim as a body, a channel name, a display name and a password',
      async (text) => {
        const user = await chat.user('hostile', Tier.PRO);
        const general = defaultChannelId('general');
        const sent = await user.send(general, text, uniqueId(text.slice(0, 8)));
        expect(codesOf(sent)).toEqual([]);
        expect(sent.data!.sendMessage.body).toBe(text);
        const history = (await user.history(general, { last: 1 })).data!.messages.edges[0].node;
        expect(history).toMatchObject({ id: sent.data!.sendMessage.id, body: text });

        const name = text.slice(0, 64);
        const created = await user.gql(
          'mutation ($input: CreateChannelInput!) { createChannel(input: $input) { id name } }',
          {
            input: { name, kind: 'PASSWORD', password: `pw${text}`.slice(0, 128) },
          },
        );
        expect(created.data!.createChannel.name).toBe(name);
        const guest = await chat.user('guest');
        const joined = await guest.gql(JOIN, {
          id: created.data!.createChannel.id,
          password: `pw${text}`.slice(0, 128),
        });
        expect(codesOf(joined)).toEqual([]);
        const other = await chat.user('prober');
        const probe = await other.gql(JOIN, { id: created.data!.createChannel.id, password: "' OR '1'='1" });
        expect(codesOf(probe)).toEqual(['WRONG_PASSWORD']);

        const renamed = await user.gql(
          'mutation ($n: String!) { updateDisplayName(displayName: $n) { displayName } }',
          {
            n: name,
          },
        );
        expect(renamed.data!.updateDisplayName.displayName).toBe(name.trim());
      },
    );

    it.each([
      ['a right-to-left override', 'ad\u202Enim'],
      ['a zero-width space', 'ad\u200Bmin'],
      ['a directional isolate', '\u2066admin\u2069'],
      ['a byte-order mark', 'ad\uFEFFmin'],
      ['a left-to-right mark', 'admin\u200E'],
      ['a joiner at an edge', '\u200Dadmin'],
      ['a soft hyphen', 'ad\u00ADmin'],
    ])('refuses %s in channel and display names (BAD_USER_INPUT, nothing changed)', async (_what, name) => {
      const user = await chat.user('spoofer', Tier.PRO);
      const created = await user.gql(CREATE, { input: { name, kind: 'PRIVATE' } });
      expect(codesOf(created)).toEqual(['BAD_USER_INPUT']);
      expect(created.errors![0].extensions!.field).toBe('name');
      const renamed = await user.gql('mutation ($n: String!) { updateDisplayName(displayName: $n) { displayName } }', {
        n: name,
      });
      expect(codesOf(renamed)).toEqual(['BAD_USER_INPUT']);
      expect((await user.gql('{ me { displayName } }')).data!.me.displayName).not.toBe(name);
      expect(await count(server, 'channels', 'owner_id = ?', [user.id])).toBe(0);
      // In a message body the same text is just text.
      expect(codesOf(await user.send(defaultChannelId('general'), name))).toEqual([]);
    });

    it.each([
      ['an emoji sequence', '👩‍💻 ana'],
      ['a family emoji', '👨‍👩‍👧‍👦'],
      ['Persian with a zero-width non-joiner', 'می‌خواهم'],
      ['Arabic', 'مرحبا'],
    ])('keeps %s in names: joiners between visible characters are writing', async (_what, name) => {
      const user = await chat.user('writer', Tier.PRO);
      const created = await user.gql(CREATE, { input: { name, kind: 'PRIVATE' } });
      expect(created.data!.createChannel.name).toBe(name);
      const renamed = await user.gql('mutation ($n: String!) { updateDisplayName(displayName: $n) { displayName } }', {
        n: name,
      });
      expect(renamed.data!.updateDisplayName.displayName).toBe(name);
    });

    it('refuses hostile strings as emails and codes with BAD_USER_INPUT, sending no mail', async () => {
      for (const text of HOSTILE_STRINGS) {
        const res = await gql(server.url, 'mutation ($e: String!) { requestLoginCode(email: $e) { email } }', {
          e: text,
        });
        expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
        const verify = await gql(
          server.url,
          'mutation ($e: String!, $c: String!) { verifyLoginCode(email: $e, code: $c) { token } }',
          {
            e: 'someone@example.com',
            c: text,
          },
        );
        expect(codesOf(verify)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });
});
