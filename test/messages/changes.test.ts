import { randomUUID } from 'node:crypto';
import { Channel, Message, MessageChange, Tier } from '../../src/entities';
import { CHANGE_RULES } from '../../src/services/message-change.service';
import { defaultChannelId } from '../../src/services/channel.service';
import { CHANNEL, JOIN, LEAVE, type TestUser } from '../support/chat';
import { useChatServer } from '../support/chat-server';
import { TestClock } from '../support/clock';
import { count, rows } from '../support/db';
import { eventually } from '../support/eventually';
import { codesOf, wsClient } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { directClient, MqttListener } from '../support/mqtt-listener';
import { eachProfile } from '../support/profiles';

const READ_STATE = `query ($id: ID!) { channel(id: $id) { lastSeq lastRev unreadCount } }`;

describe.each(eachProfile)('edits and deletions (%s)', (_name, profile) => {
  const clock = new TestClock();
  const chat = useChatServer(profile, {
    clock,
    relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
    // Some tests change many messages of one user at once on purpose: the per-user quota is not what they test.
    env: { DEFAULT_CHANNELS: 'general', MAX_OPERATIONS_PER_USER: '100' },
  });
  const general = defaultChannelId('general');
  const lastRev = async (user: TestUser, id: string) => (await user.gql(CHANNEL, { id })).data!.channel!.lastRev;
  const sent = async (user: TestUser, channelId: string, body: string) => {
    const res = await user.send(channelId, body);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!.sendMessage;
  };
  const historyOf = async (user: TestUser, channelId: string) =>
    (await user.history(channelId, { last: 100 })).data!.messages.edges.map((e) => e.node);

  it('lets only the sender edit a USER message: same id and seq, new body, editedAt set, the next rev', async () => {
    const ana = await chat.user('edit-ana');
    const ben = await chat.user('edit-ben');
    const message = await sent(ana, general, 'helo');
    const before = await lastRev(ana, general);
    const edited = await ana.edit(message.id, 'hello');
    expect(codesOf(edited)).toEqual([]);
    expect(edited.data!.editMessage).toEqual({
      ...message,
      body: 'hello',
      editedAt: expect.any(String),
      rev: before + 1,
    });
    expect(await lastRev(ben, general)).toBe(before + 1);
    expect((await historyOf(ben, general)).find((m) => m.id === message.id)).toEqual(edited.data!.editMessage);

    // Refused, and nothing changes: another user, a SYSTEM message, an unknown id, a body that could not be sent.
    const system = (await historyOf(ana, general)).find((m) => m.kind === 'SYSTEM')!;
    expect(codesOf(await ben.edit(message.id, 'mine now'))).toEqual(['FORBIDDEN']);
    expect(codesOf(await ana.edit(system.id, 'rewritten'))).toEqual(['FORBIDDEN']);
    expect(codesOf(await ana.edit(randomUUID(), 'x'))).toEqual(['NOT_FOUND']);
    expect(codesOf(await ana.edit('not-an-id\u0000', 'x'))).toEqual(['NOT_FOUND']);
    for (const body of ['', '   ', 'x'.repeat(4001), 'bell\u0007']) {
      expect(codesOf(await ana.edit(message.id, body))).toEqual(['BAD_USER_INPUT']);
    }
    expect(codesOf(await ben.delete(message.id))).toEqual(['FORBIDDEN']);
    expect(await lastRev(ana, general)).toBe(before + 1);
    expect((await historyOf(ana, general)).find((m) => m.id === message.id)).toMatchObject({ body: 'hello' });
    // The same body again is no change: no new rev.
    expect((await ana.edit(message.id, 'hello')).data!.editMessage.rev).toBe(before + 1);
    expect(await lastRev(ana, general)).toBe(before + 1);
  });

  it("hides a channel's messages from those who cannot see it: NOT_FOUND in a PRIVATE channel, FORBIDDEN after leaving", async () => {
    const owner = await chat.user('hidden-owner', Tier.PRO);
    const other = await chat.user('hidden-other');
    const privateRoom = await owner.createChannel('PRIVATE');
    const secret = await sent(owner, privateRoom, 'private words');
    expect(codesOf(await other.edit(secret.id, 'x'))).toEqual(['NOT_FOUND']);
    expect(codesOf(await other.delete(secret.id))).toEqual(['NOT_FOUND']);

    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    await other.gql(JOIN, { id: room, password: 'secret12' });
    const said = await sent(other, room, 'said while a member');
    await other.gql(LEAVE, { id: room });
    expect(codesOf(await other.edit(said.id, 'x'))).toEqual(['FORBIDDEN']);
    expect((await historyOf(owner, room)).find((m) => m.id === said.id)).toMatchObject({ body: 'said while a member' });
  });

  it('deletes for good: empty body and deletedAt in history, replay and MQTT; the old body is nowhere in the database', async () => {
    const ana = await chat.user('delete-ana', Tier.PRO);
    const ben = await chat.user('delete-ben');
    const room = await ana.createChannel('PASSWORD', undefined, 'secret12');
    await ben.gql(JOIN, { id: room, password: 'secret12' });
    const secret = `my card number ${randomUUID()}`;
    const message = await sent(ana, room, secret);
    await ana.edit(message.id, `${secret} (edited)`);
    // The edit's publication is behind us (acknowledged): the listener hears the deletion alone.
    await eventually(
      async () =>
        (await count(chat.server, 'message_changes', 'channel_id = ? and published_at is null', [room])) === 0,
      'the edit published',
    );
    const listener = await MqttListener.connect(
      await directClient(chat.server, ben),
      `${chat.server.topicPrefix}/channel/${room}`,
    );
    try {
      const deleted = (await ana.delete(message.id)).data!.deleteMessage;
      expect(deleted).toEqual({
        ...message,
        body: '',
        editedAt: expect.any(String),
        deletedAt: expect.any(String),
        rev: 2,
      });
      await listener.received(1);
      expect(listener.json[0]).toEqual({
        v: 1,
        type: 'message.deleted',
        rev: 2,
        message: deleted,
        sig: expect.any(String),
      });
    } finally {
      await listener.close();
    }
    // History, a messageAdded replay and a messageChanged replay all show it deleted.
    expect((await historyOf(ben, room)).find((m) => m.id === message.id)).toMatchObject({ body: '', rev: 2 });
    const replay = LiveSubscription.open(chat.url, ben.token, room, message.seq - 1);
    const changes = await LiveSubscription.changes(ben, room, 0);
    try {
      await Promise.all([replay.received(1), changes.received(2)]);
      expect(replay.messages[0]).toMatchObject({ id: message.id, body: '', deletedAt: expect.any(String) });
      expect(changes.messages.map((c) => [c.rev, c.type, c.message.body])).toEqual([
        [1, 'DELETED', ''],
        [2, 'DELETED', ''],
      ]);
    } finally {
      await Promise.all([replay.close(), changes.close()]);
    }
    expect(JSON.stringify(await rows(chat.server, 'select * from messages'))).not.toContain('my card number');
    expect(JSON.stringify(await rows(chat.server, 'select * from message_changes'))).not.toContain('my card number');
    // Deleting again changes nothing; a deleted message cannot be edited back.
    expect((await ana.delete(message.id)).data!.deleteMessage).toMatchObject({ rev: 2, body: '' });
    expect(codesOf(await ana.edit(message.id, 'back again'))).toEqual(['BAD_USER_INPUT']);
    expect(await lastRev(ana, room)).toBe(2);
  });

  it('answers a retried send of a message since edited or deleted with the message as it is now', async () => {
    const ana = await chat.user('retry-ana');
    const clientMessageId = `retry-${randomUUID()}`;
    const first = (await ana.send(general, 'first words', clientMessageId)).data!.sendMessage;
    await ana.edit(first.id, 'second words');
    const retried = await ana.send(general, 'first words', clientMessageId);
    expect(codesOf(retried)).toEqual([]);
    expect(retried.data!.sendMessage).toMatchObject({ id: first.id, seq: first.seq, body: 'second words' });
    await ana.delete(first.id);
    expect((await ana.send(general, 'first words', clientMessageId)).data!.sendMessage).toMatchObject({
      id: first.id,
      body: '',
      deletedAt: expect.any(String),
    });
    expect(await count(chat.server, 'messages', 'client_message_id = ?', [clientMessageId])).toBe(1);
  });

  it('streams edits and deletions live in rev order, to messageChanged and to direct MQTT clients', async () => {
    const ana = await chat.user('live-ana', Tier.PLUS);
    const room = await ana.createChannel('PRIVATE');
    const messages = [await sent(ana, room, 'one'), await sent(ana, room, 'two')];
    const live = await LiveSubscription.changes(ana, room);
    const listener = await MqttListener.connect(
      await directClient(chat.server, ana),
      `${chat.server.topicPrefix}/channel/${room}`,
    );
    try {
      const changed = [
        (await ana.edit(messages[0].id, 'one!')).data!.editMessage,
        (await ana.edit(messages[1].id, 'two!')).data!.editMessage,
        (await ana.delete(messages[0].id)).data!.deleteMessage,
      ];
      await Promise.all([live.received(3), listener.received(3)]);
      expect(live.messages).toEqual([
        { rev: 1, type: 'UPDATED', message: changed[0] },
        { rev: 2, type: 'UPDATED', message: changed[1] },
        { rev: 3, type: 'DELETED', message: changed[2] },
      ]);
      expect(listener.json.map((p) => [p.type, p.rev, p.message])).toEqual([
        ['message.updated', 1, changed[0]],
        ['message.updated', 2, changed[1]],
        ['message.deleted', 3, changed[2]],
      ]);
      // Published through the outbox: marked once the broker acknowledged them.
      await eventually(
        async () =>
          (await count(chat.server, 'message_changes', 'channel_id = ? and published_at is null', [room])) === 0,
        'every change marked published',
      );
    } finally {
      await Promise.all([live.close(), listener.close()]);
    }
  });

  it('republishes a change committed but never published (the sweeper), with its message as it is now', async () => {
    const ana = await chat.user('sweep-ana', Tier.PLUS);
    const room = await ana.createChannel('PRIVATE');
    const message = await sent(ana, room, 'to be deleted by a process that then died');
    const live = await LiveSubscription.changes(ana, room);
    const listener = await MqttListener.connect(
      await directClient(chat.server, ana),
      `${chat.server.topicPrefix}/channel/${room}`,
    );
    try {
      // A deletion committed by a process that died before publishing it: rev taken, published_at null. One
      // transaction, as the server commits a change: a subscriber that opens meanwhile never sees the channel's rev
      // moved without its change stored.
      const now = new Date(Date.now() - 1000);
      await chat.server.app.orm.em.fork().transactional(async (em) => {
        await em.nativeUpdate(Channel, { id: room }, { lastRev: 1 });
        await em.nativeUpdate(Message, { id: message.id }, { body: '', deletedAt: now, rev: 1 });
        await em.insert(MessageChange, {
          id: randomUUID(),
          channel: room,
          rev: 1,
          message: message.id,
          createdAt: now,
        });
      });
      await Promise.all([live.received(1), listener.received(1)]);
      const deleted = { ...message, body: '', deletedAt: now.toISOString(), rev: 1 };
      expect(live.messages).toEqual([{ rev: 1, type: 'DELETED', message: deleted }]);
      expect(listener.json[0]).toMatchObject({ type: 'message.deleted', rev: 1, message: deleted });
      await eventually(
        async () =>
          (await count(chat.server, 'message_changes', 'channel_id = ? and published_at is null', [room])) === 0,
        'the change marked published',
      );
    } finally {
      await Promise.all([live.close(), listener.close()]);
    }
  });

  it('never lets an unsigned change payload stand in for a stored change, even one with the next rev', async () => {
    const ana = await chat.user('forged-ana', Tier.PLUS);
    const room = await ana.createChannel('PRIVATE');
    const message = await sent(ana, room, 'genuine words');
    const live = await LiveSubscription.changes(ana, room);
    try {
      const forged = {
        v: 1,
        type: 'message.deleted',
        rev: 1,
        message: { ...message, body: '', deletedAt: new Date().toISOString(), rev: 1 },
      };
      // Through the server's own broker connection: as someone who knows the server's broker password would.
      const topic = `${chat.server.topicPrefix}/channel/${room}`;
      const client = chat.server.app.broker.client;
      await client.publishAsync(topic, JSON.stringify(forged), { qos: 1 });
      await client.publishAsync(topic, JSON.stringify({ ...forged, sig: 'x'.repeat(43) }), { qos: 1 });
      const real = (await ana.edit(message.id, 'genuine edit')).data!.editMessage;
      await live.received(1);
      expect(live.messages).toEqual([{ rev: 1, type: 'UPDATED', message: real }]);
    } finally {
      await live.close();
    }
  });

  it('resumes from afterRev after a gap with edits and deletions: each change once, in order, as it is now, then live', async () => {
    const ana = await chat.user('resume-ana', Tier.PLUS);
    const room = await ana.createChannel('PRIVATE');
    const [a, b, c] = [await sent(ana, room, 'a'), await sent(ana, room, 'b'), await sent(ana, room, 'c')];
    await ana.edit(a.id, 'a1'); // rev 1: seen before the gap
    const seen = await lastRev(ana, room);
    // The gap: an edit, an edit of the same message, a deletion of an edited one, and a new message meanwhile.
    await ana.edit(b.id, 'b1'); // rev 2
    await ana.edit(b.id, 'b2'); // rev 3
    await ana.edit(c.id, 'c1'); // rev 4
    await ana.delete(c.id); // rev 5
    const d = await sent(ana, room, 'd');
    const resumed = await LiveSubscription.changes(ana, room, seen);
    const added = LiveSubscription.open(chat.url, ana.token, room, c.seq);
    try {
      await Promise.all([resumed.received(4), added.received(1)]);
      expect(resumed.revs).toEqual([2, 3, 4, 5]);
      // Each replayed change carries its message as it is now: the deleted body is not replayed.
      expect(resumed.messages.map((ch) => [ch.type, ch.message.id, ch.message.body, ch.message.rev])).toEqual([
        ['UPDATED', b.id, 'b2', 3],
        ['UPDATED', b.id, 'b2', 3],
        ['DELETED', c.id, '', 5],
        ['DELETED', c.id, '', 5],
      ]);
      expect(added.messages.map((m) => m.id)).toEqual([d.id]);
      const live = (await ana.edit(d.id, 'd1')).data!.editMessage;
      await resumed.received(5);
      expect(resumed.messages[4]).toEqual({ rev: 6, type: 'UPDATED', message: live });
    } finally {
      await Promise.all([resumed.close(), added.close()]);
    }
  });

  it('gives concurrent changes of several senders gap-free revs, one per change, each delivered once', async () => {
    const senders = [await chat.user('rev-1'), await chat.user('rev-2'), await chat.user('rev-3')];
    const start = await lastRev(senders[0], general);
    const live = await LiveSubscription.changes(senders[0], general, start);
    try {
      const own = await Promise.all(
        senders.map((s) => Promise.all([1, 2, 3, 4].map((i) => sent(s, general, `m${i}`)))),
      );
      const answers = await Promise.all(
        own.flatMap((messages, i) =>
          messages.map((m, j) => (j === 3 ? senders[i].delete(m.id) : senders[i].edit(m.id, `${m.body}!`))),
        ),
      );
      expect(answers.flatMap(codesOf)).toEqual([]);
      const revs = answers.map((a) => (a.data as any).editMessage?.rev ?? (a.data as any).deleteMessage.rev);
      expect([...revs].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => start + i + 1));
      expect(await lastRev(senders[0], general)).toBe(start + 12);
      await live.received(12);
      expect(live.revs).toEqual(Array.from({ length: 12 }, (_, i) => start + i + 1));
    } finally {
      await live.close();
    }
  });

  it(`refuses a change past ${CHANGE_RULES.changesPerWindow} in ${CHANGE_RULES.windowMs / 1000} s with RATE_LIMITED, changing nothing`, async () => {
    const ana = await chat.user('rate-ana');
    const message = await sent(ana, general, 'v0');
    clock.freeze();
    try {
      for (let i = 1; i <= CHANGE_RULES.changesPerWindow; i++) {
        expect(codesOf(await ana.edit(message.id, `v${i}`))).toEqual([]);
      }
      const refused = await ana.edit(message.id, 'one too many');
      expect(codesOf(refused)).toEqual(['RATE_LIMITED']);
      expect(refused.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
      expect((await historyOf(ana, general)).find((m) => m.id === message.id)!.body).toBe(
        `v${CHANGE_RULES.changesPerWindow}`,
      );
      clock.advance(CHANGE_RULES.windowMs);
      expect(codesOf(await ana.edit(message.id, 'later'))).toEqual([]);
    } finally {
      clock.thaw();
    }
  });

  it('does not count deleted messages as unread', async () => {
    const writer = await chat.user('unread-writer', Tier.PLUS);
    const reader = await chat.user('unread-reader');
    const counted = async () => (await reader.gql(READ_STATE, { id: general })).data!.channel.unreadCount;
    const before = await counted();
    const [x] = [await sent(writer, general, 'x'), await sent(writer, general, 'y')];
    expect(await counted()).toBe(before + 2);
    await writer.delete(x.id);
    expect(await counted()).toBe(before + 1);
  });

  it('ends the messageChanged subscription of a member who leaves, and refuses those who may not subscribe', async () => {
    const owner = await chat.user('sub-owner', Tier.PRO);
    const dora = await chat.user('sub-dora');
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const refused = await LiveSubscription.changes(dora, room, 0);
    try {
      await refused.end();
      expect(refused.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      await refused.close();
    }
    const { client } = wsClient(chat.url);
    const anonymous = new LiveSubscription(client, room, 0, true, 'changes');
    const negative = await LiveSubscription.changes(owner, room, -1);
    try {
      await Promise.all([anonymous.end(), negative.end()]);
      expect(anonymous.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(negative.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await Promise.all([anonymous.close(), negative.close()]);
    }

    await dora.gql(JOIN, { id: room, password: 'secret12' });
    const message = await sent(owner, room, 'to be edited');
    const live = await LiveSubscription.changes(dora, room);
    try {
      // Live: the subscription is open (and the only one of dora's here: no messageAdded feed of the channel).
      await owner.edit(message.id, 'edited while dora is here');
      await live.received(1);
      await dora.gql(LEAVE, { id: room });
      await live.end();
      expect(live.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      await live.close();
    }
  });
});
