import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Channel, Message, MessageKind, Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { CHANNEL, JOIN, LEAVE, type TestUser } from '../support/chat';
import { count } from '../support/db';
import { eventually } from '../support/eventually';
import { codesOf, gql, wsClient } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { directClient, MqttListener } from '../support/mqtt-listener';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describe.each(eachProfile)('real-time delivery (%s)', (_name, profile) => {
  let server: TestServer;
  let ana: TestUser;
  let ben: TestUser;
  const general = defaultChannelId('general');

  const chat = useChatServer(profile, {
    sessionCheckMs: 100,
    relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
    // One test sends a dozen messages of one user at once on purpose: the per-user quota is not what it tests.
    env: { MAX_OPERATIONS_PER_USER: '100' },
  });
  beforeAll(async () => {
    server = chat.server;
    ana = await chat.user('ana', Tier.PRO);
    ben = await chat.user('ben');
  });

  it("delivers a sent message to a subscriber with the contract's fields", async () => {
    const live = await LiveSubscription.from(ben, general);
    try {
      const sent = (await ana.send(general, 'hello live')).data!.sendMessage;
      await live.received(1);
      expect(live.messages).toEqual([sent]);
    } finally {
      await live.close();
    }
  });

  it("publishes the contract's JSON payload on chat/channel/{id}, QoS 1, and marks the message published", async () => {
    const topic = `${server.topicPrefix}/channel/${general}`;
    const listener = await MqttListener.connect(await directClient(server, ben), topic);
    try {
      const sent = (await ana.send(general, 'over mqtt')).data!.sendMessage;
      await listener.received(1);
      expect(listener.payloads[0].topic).toBe(topic);
      // `sig` signs the payload for the server instances' bridges; direct clients ignore it.
      expect(listener.json[0]).toEqual({ v: 1, type: 'message.created', message: sent, sig: expect.any(String) });
      expect(Object.keys(listener.json[0])).toEqual(['v', 'type', 'message', 'sig']);
      expect(Object.keys(listener.json[0].message)).toEqual([
        'id',
        'channelId',
        'seq',
        'kind',
        'body',
        'sender',
        'systemEvent',
        'clientMessageId',
        'createdAt',
        'editedAt',
        'deletedAt',
        'rev',
      ]);
      await eventually(
        async () => (await count(server, 'messages', 'id = ? and published_at is not null', [sent.id])) === 1,
        'published_at',
      );
      // Not retained: a subscriber arriving later gets the next message first, not the last one stored.
      const late = await MqttListener.connect(await directClient(server, ana), topic);
      try {
        const next = (await ana.send(general, 'after the late subscriber')).data!.sendMessage;
        await late.received(1);
        expect(late.json.map((p) => p.message.id)).toEqual([next.id]);
      } finally {
        await late.close();
      }
    } finally {
      await listener.close();
    }
  });

  it('publishes nothing for a send that fails to store', async () => {
    const topic = `${server.topicPrefix}/channel/${general}`;
    const listener = await MqttListener.connect(await directClient(server, ben), topic);
    // A subscriber on the instance that handles the sends gets its messages without the broker (local delivery).
    const live = await LiveSubscription.from(ben, general);
    try {
      expect(codesOf(await ana.send(general, ''))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await ana.send(general, 'x'.repeat(4001)))).toEqual(['BAD_USER_INPUT']);
      const marker = (await ana.send(general, 'the only one')).data!.sendMessage;
      await Promise.all([listener.received(1), live.received(1)]);
      // The topic is ordered: had anything been published for the refused sends, it would have come first.
      expect(listener.json.map((p) => p.message.id)).toEqual([marker.id]);
      expect(live.messages.map((m) => m.id)).toEqual([marker.id]);
    } finally {
      await Promise.all([listener.close(), live.close()]);
    }
  });

  it('delivers many messages from several senders in seq order, each once, SYSTEM messages included', async () => {
    const room = await ana.createChannel('PASSWORD', 'busy room', 'open sesame');
    await ben.gql(JOIN, { id: room, password: 'open sesame' });
    const live = await LiveSubscription.from(ben, room);
    try {
      const carl = await chat.user('carl');
      const joined = carl.gql(JOIN, { id: room, password: 'open sesame' });
      await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => ana.send(room, `a${i}`)),
        ...Array.from({ length: 12 }, (_, i) => ben.send(room, `b${i}`)),
        joined,
      ]);
      await live.received(25);
      const first = live.seqs[0];
      expect(live.seqs).toEqual(Array.from({ length: 25 }, (_, i) => first + i));
      expect(live.messages.filter((m) => m.systemEvent === 'MEMBER_JOINED')).toHaveLength(1);
    } finally {
      await live.close();
    }
  });

  it('resumes with afterSeq: exactly the messages missed, in order, then live ones', async () => {
    // Sent by several users, since one may send only 30 messages in 10 s.
    const senders = [await chat.user('s1'), await chat.user('s2')];
    const room = defaultChannelId('general');
    const first = await LiveSubscription.from(ben, room);
    const seen = (await senders[0].send(room, 'before the disconnect')).data!.sendMessage;
    await first.received(1);
    await first.close();

    const missed = [];
    for (let i = 0; i < 50; i++) missed.push((await senders[i % 2].send(room, `missed ${i}`)).data!.sendMessage);
    const resumed = LiveSubscription.open(server.url, ben.token, room, seen.seq);
    try {
      await resumed.received(50);
      expect(resumed.messages).toEqual(missed);
      const after = (await senders[1].send(room, 'live again')).data!.sendMessage;
      await resumed.received(51);
      expect(resumed.seqs).toEqual([...missed.map((m) => m.seq), after.seq]);
    } finally {
      await resumed.close();
    }
  });

  it('refuses a replay of more than 1000 messages with BAD_USER_INPUT', async () => {
    const channelId = randomUUID();
    const em = server.app.orm.em.fork() as SqlEntityManager;
    const now = new Date();
    await em.getConnection().execute('select 1');
    em.create('Channel', { id: channelId, name: 'long', kind: 'DEFAULT', lastSeq: 1001, createdAt: now } as never);
    await em.flush();
    for (let start = 1; start <= 1001; start += 400) {
      const rows = Array.from({ length: Math.min(400, 1002 - start) }, (_, i) => ({
        id: randomUUID(),
        channel: channelId,
        seq: start + i,
        kind: MessageKind.SYSTEM,
        body: 'x',
        createdAt: now,
        publishedAt: now,
      }));
      await em.createQueryBuilder(Message).insert(rows).execute();
    }
    const tooFar = LiveSubscription.open(server.url, ben.token, channelId, 0);
    const justRight = LiveSubscription.open(server.url, ben.token, channelId, 1);
    try {
      await tooFar.end();
      expect(tooFar.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(tooFar.errors![0].extensions!.field).toBe('afterSeq');
      await justRight.received(1000);
      expect(justRight.seqs[0]).toBe(2);
      expect(justRight.seqs.at(-1)).toBe(1001);
    } finally {
      await Promise.all([tooFar.close(), justRight.close()]);
    }
  });

  it.each([
    ['an unknown channel', () => 'no-such-channel', 'NOT_FOUND'],
    ["another user's PRIVATE channel", async () => ana.createChannel('PRIVATE'), 'NOT_FOUND'],
    ['a PASSWORD channel not joined', async () => ana.createChannel('PASSWORD', 'club', 'secret1'), 'FORBIDDEN'],
  ])('refuses to subscribe to %s', async (_what, channel, code) => {
    const live = LiveSubscription.open(server.url, ben.token, await channel());
    try {
      await live.end();
      expect(live.messages).toEqual([]);
      expect(live.errors!.map((e) => e.extensions?.code)).toEqual([code]);
    } finally {
      await live.close();
    }
  });

  it('refuses an anonymous subscription and a negative afterSeq', async () => {
    const { client } = wsClient(server.url);
    const anonymous = new LiveSubscription(client, general);
    const negative = LiveSubscription.open(server.url, ben.token, general, -1);
    try {
      await Promise.all([anonymous.end(), negative.end()]);
      expect(anonymous.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(negative.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await Promise.all([anonymous.close(), negative.close(), client.dispose()]);
    }
  });

  it("ends a member's live subscription to a PASSWORD channel when they leave it", async () => {
    const ana = await chat.user('owner', Tier.PRO);
    const club = await ana.createChannel('PASSWORD', 'leavers', 'secret12');
    const dora = await chat.user('dora');
    await dora.gql(JOIN, { id: club, password: 'secret12' });
    const live = await LiveSubscription.from(dora, club);
    const owner = await LiveSubscription.from(ana, club);
    try {
      await ana.send(club, 'still here?');
      await live.received(1);
      await dora.gql(LEAVE, { id: club });
      await live.end();
      expect(live.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      await ana.send(club, 'after she left');
      await owner.received(3);
      expect(owner.messages.map((m) => m.body)).toEqual([
        'still here?',
        `${dora.email.split('@')[0]} left`,
        'after she left',
      ]);
      expect(live.messages.map((m) => m.body)).not.toContain('after she left');
    } finally {
      await Promise.all([live.close(), owner.close()]);
    }
  });

  it('closes the socket of a session that logs out', async () => {
    const eve = await chat.user('eve');
    const { client, closed } = wsClient(server.url, { authToken: eve.token });
    const live = new LiveSubscription(client, general);
    try {
      await ana.send(general, 'someone there');
      await gql(server.url, 'mutation { logout }', {}, eve.token);
      expect(await closed).toBe(4403);
    } finally {
      await live.close();
      await client.dispose();
    }
  });

  it('republishes a message that was stored but never published (the sweeper)', async () => {
    const room = await ana.createChannel('PRIVATE');
    const live = await LiveSubscription.from(ana, room);
    try {
      // A message committed by a process that died before publishing: stored, seq taken, published_at null.
      const id = randomUUID();
      const em = server.app.orm.em.fork();
      const channel = await em.findOneOrFail(Channel, room);
      const seq = channel.lastSeq + 1;
      await em.nativeUpdate(Channel, { id: room }, { lastSeq: seq });
      await em.insert(Message, {
        id,
        channel: room,
        seq,
        kind: MessageKind.SYSTEM,
        body: 'orphan',
        createdAt: new Date(Date.now() - 1000),
      });
      await live.received(1);
      expect(live.messages[0]).toMatchObject({ id, body: 'orphan' });
      await eventually(
        async () => (await count(server, 'messages', 'id = ? and published_at is not null', [id])) === 1,
        'published_at',
      );
    } finally {
      await live.close();
    }
  });

  it("republishes a message with its sender while a send of that sender holds the sender's row", async () => {
    const room = await ana.createChannel('PRIVATE');
    const live = await LiveSubscription.from(ana, room);
    // Live first (it has heard a message), so the orphan below comes from the sweep, not from a replay.
    await ana.send(room, 'first');
    await live.received(1);
    // A message stored by a process that died before publishing it, due for the sweep in half a second.
    const id = randomUUID();
    const em = server.app.orm.em.fork();
    const channel = await em.findOneOrFail(Channel, room);
    await em.nativeUpdate(Channel, { id: room }, { lastSeq: channel.lastSeq + 1 });
    await em.insert(Message, {
      id,
      channel: room,
      seq: channel.lastSeq + 1,
      kind: MessageKind.USER,
      body: 'stored by a process that died',
      sender: ana.id,
      clientMessageId: `orphan-${id}`,
      createdAt: new Date(Date.now() + 500 - 200),
    });
    // Meanwhile a transaction of its own holds ana's row, as the send path does while it stores her messages (MySQL:
    // a row lock, which the sweep's SKIP LOCKED must not meet; SQLite has no row locks).
    const holder = server.databaseUrl.startsWith('file:') ? undefined : await createConnection(server.databaseUrl);
    try {
      await holder?.query('begin');
      await holder?.query('select id from users where id = ? for update', [ana.id]);
      await live.received(2);
      expect(live.messages[1]).toMatchObject({ id, sender: { id: ana.id, displayName: expect.any(String) } });
    } finally {
      await holder?.query('rollback');
      await holder?.end();
      await live.close();
    }
  });

  it('drops malformed payloads on a channel topic and keeps delivering', async () => {
    const room = await ana.createChannel('PRIVATE');
    const live = await LiveSubscription.from(ana, room);
    const rogue = await directClient(server, ben);
    try {
      const topic = `${server.topicPrefix}/channel/${room}`;
      const fake = { v: 1, type: 'message.created', message: { id: 'x', channelId: 'other', seq: 1 } };
      // The embedded broker refuses these publications outright (and disconnects the client); Mosquitto without
      // access control passes them on, and the bridge must drop them.
      for (const payload of ['not json', '{"v":2}', JSON.stringify(fake), Buffer.alloc(70_000, 'x').toString()]) {
        rogue.publish(topic, payload, { qos: 0 });
      }
      const real = (await ana.send(room, 'genuine')).data!.sendMessage;
      await live.received(1);
      expect(live.messages).toEqual([real]);
    } finally {
      await rogue.endAsync(true);
      await live.close();
    }
  });

  it('never lets an unsigned payload stand in for a stored message, even one with the next seq', async () => {
    const room = await ana.createChannel('PRIVATE');
    const live = await LiveSubscription.from(ana, room);
    try {
      const lastSeq = (await ana.gql(CHANNEL, { id: room })).data!.channel!.lastSeq;
      const forged = {
        v: 1,
        type: 'message.created',
        message: {
          id: randomUUID(),
          channelId: room,
          seq: lastSeq + 1,
          kind: 'USER',
          body: 'forged',
          sender: { id: ben.id, displayName: 'ben' },
          systemEvent: null,
          clientMessageId: null,
          createdAt: new Date().toISOString(),
        },
      };
      // Through the server's own broker connection: as someone who knows the server's broker password would.
      const topic = `${server.topicPrefix}/channel/${room}`;
      await server.app.broker.client.publishAsync(topic, JSON.stringify(forged), { qos: 1 });
      await server.app.broker.client.publishAsync(topic, JSON.stringify({ ...forged, sig: 'x'.repeat(43) }), {
        qos: 1,
      });
      const real = (await ana.send(room, 'genuine')).data!.sendMessage;
      await live.received(1);
      expect(live.messages).toEqual([real]);
      expect(real.seq).toBe(lastSeq + 1);
    } finally {
      await live.close();
    }
  });

  it('counts publications, deliveries and open subscriptions in /metrics', async () => {
    const live = await LiveSubscription.from(ben, general);
    try {
      await ana.send(general, 'metered');
      await live.received(1);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(/chat_messages_published_total [1-9]/);
      expect(text).toMatch(/chat_subscription_deliveries_total [1-9]/);
      expect(text).toMatch(/chat_active_subscriptions [1-9]/);
      expect(text).toMatch(/chat_websocket_connections [1-9]/);
      expect(text).toMatch(/chat_relay_lag_seconds \d/);
    } finally {
      await live.close();
    }
  });
});

describe.each(eachProfile)('the messages stored at start-up (%s)', (_name, profile) => {
  // The sweeper is ten minutes away: what is published, the relay published as it was stored.
  const chat = useChatServer(profile, { relay: { sweepIntervalMs: 600_000 } });

  it("publishes the default channels' first messages at once, not when the sweeper comes by", async () => {
    expect(await count(chat.server, 'messages', '1=1')).toBeGreaterThan(0);
    await eventually(
      async () => (await count(chat.server, 'messages', 'published_at is null')) === 0,
      'every start-up message published',
    );
  });
});
