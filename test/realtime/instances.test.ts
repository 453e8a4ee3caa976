import { DeleteChannel, RemoveMember } from '../../client/operations';
import { Tier } from '../../src/entities';
import { createHash } from 'node:crypto';
import { SESSION_CACHE_RECHECK_MS } from '../../src/bridge/realtime';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, TestUser } from '../support/chat';
import { codesOf, wsClient } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { TestMosquitto } from '../support/mosquitto';
import { describeReal } from '../support/profiles';
import { anotherSession, signedInUser } from '../support/chat-server';
import { count, rows } from '../support/db';
import { eventually } from '../support/eventually';
import { startTestServer, type TestServer } from '../support/test-server';
import { listenToViewerEvents, markUntilHeard } from '../support/viewer-events';

const env = { DEFAULT_CHANNELS: 'lobby' };
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const lobby = defaultChannelId('lobby');

/** Sends `perUser` messages from each user, users in parallel, and returns the stored messages. */
async function sendFrom(users: TestUser[], perUser: number, tag: string) {
  const sent = await Promise.all(
    users.map(async (user, u) => {
      const mine = [];
      for (let i = 0; i < perUser; i++) {
        const res = await user.send(lobby, `${tag} ${u}/${i}`);
        if (res.errors) throw new Error(JSON.stringify(res.errors));
        mine.push(res.data!.sendMessage);
      }
      return mine;
    }),
  );
  return sent.flat().sort((a, b) => a.seq - b.seq);
}

/**
 * Each user edits each of `messages` of theirs (deleting every third), users in parallel, and returns the changes
 * as messageChanged should bring them: in rev order, each with the message as the mutation answered it.
 */
async function changeFrom(users: TestUser[], messages: any[][], tag: string) {
  const changes = await Promise.all(
    users.map(async (user, u) => {
      const mine = [];
      for (const [i, message] of messages[u].entries()) {
        const deleting = i % 3 === 2;
        const res = deleting ? await user.delete(message.id) : await user.edit(message.id, `${tag} ${u}/${i}`);
        if (res.errors) throw new Error(JSON.stringify(res.errors));
        const changed = (res.data as any).editMessage ?? (res.data as any).deleteMessage;
        mine.push({ rev: changed.rev, type: deleting ? 'DELETED' : 'UPDATED', message: changed });
      }
      return mine;
    }),
  );
  return changes.flat().sort((a, b) => a.rev - b.rev);
}

/** Splits stored messages by sender, in the order of `users`. */
const bySender = (users: TestUser[], stored: any[]) => users.map((u) => stored.filter((m) => m.sender.id === u.id));

function expectExactly(live: LiveSubscription, stored: any[]) {
  expect(live.seqs).toEqual(stored.map((m) => m.seq));
  expect(live.messages).toEqual(stored);
}

describeReal('two instances on one broker and one database (%s)', (_name, profile) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(profile, { env, sessionCheckMs: 600_000 });
    b = await startTestServer(profile, {
      databaseUrl: a.databaseUrl,
      topicPrefix: a.topicPrefix,
      sessionCheckMs: 600_000,
      env: { ...env, MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('closes, at once, a socket on one instance whose session logged out through the other', async () => {
    // The periodic session check is ten minutes away here: a close is the instances' notice.
    const user = await signedInUser(a, 'leaving');
    const { client, closed } = wsClient(b.url, { authToken: user.token });
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    expect(codesOf(await user.gql('mutation { logout }'))).toEqual([]);
    expect(await closed).toBe(4403);
    await client.dispose();
  });

  it('refuses at once, on one instance, a token it has just served, once its session logged out through the other', async () => {
    // b served the token, so b holds the session in its cache: the logout's notice must drop it there.
    const user = await signedInUser(a, 'cached');
    const onB = new TestUser(b, user.token, user.id, user.email);
    expect((await onB.gql('{ me { id } }')).data!.me).toEqual({ id: user.id });
    expect(b.app.services.auth.sessionCache.holds(tokenHash(user.token))).toBe(true);
    const { client, closed } = wsClient(b.url, { authToken: user.token });
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    expect(codesOf(await user.gql('mutation { logout }'))).toEqual([]);
    expect(await closed).toBe(4403); // b has heard of the logout
    expect((await onB.gql('{ me { id } }')).data!.me).toBeNull();
    expect(codesOf(await onB.gql('mutation { logout }'))).toEqual(['UNAUTHENTICATED']);
    await client.dispose();
  });

  it('refuses, within seconds, a token whose logout notice never reached the instance that serves it', async () => {
    // The instance where a session ends may be cut off from the broker when it ends: here it ends in the database
    // alone, and the serving instance's periodic re-check must drop it.
    const user = await signedInUser(a, 'unannounced');
    const onB = new TestUser(b, user.token, user.id, user.email);
    expect((await onB.gql('{ me { id } }')).data!.me).toEqual({ id: user.id });
    expect(b.app.services.auth.sessionCache.holds(tokenHash(user.token))).toBe(true);
    await rows(a, 'update sessions set revoked_at = ? where token_hash = ?', [new Date(), tokenHash(user.token)]);
    await eventually(
      async () => (await onB.gql('{ me { id } }')).data!.me === null,
      'the re-check to drop it',
      3 * SESSION_CACHE_RECHECK_MS,
    );
  });

  it("tells a user's client on one instance of a read position marked through the other", async () => {
    const writer = await signedInUser(a, 'marker-writer');
    let newest = 0;
    for (let i = 0; i < 10; i++) newest = (await writer.send(lobby, `to be read ${i}`)).data!.sendMessage.seq;
    const phone = await signedInUser(a, 'phone');
    const desktop = await anotherSession(b, phone);
    const onDesktop = listenToViewerEvents(b, desktop);
    const mark = async (seq: number) =>
      expect(
        codesOf(
          await phone.gql('mutation ($id: ID!, $seq: Int!) { markRead(channelId: $id, seq: $seq) { id } }', {
            id: lobby,
            seq,
          }),
        ),
      ).toEqual([]);
    try {
      // Its subscription may not be open yet when the first mark lands: marked one seq further until heard.
      const heard = await markUntilHeard(mark, { from: 1, to: newest - 1 }, () => onDesktop.events.length > 0);
      expect(onDesktop.events[0]).toMatchObject({ kind: 'READ_POSITION', channel: { id: lobby } });
      // Heard once, not once more when the notice comes back from the broker to the instance that sent it.
      await mark(newest);
      await eventually(() => onDesktop.events.some((e) => e.channel.lastReadSeq === newest), 'the newest mark');
      expect(onDesktop.events.map((e) => e.channel.lastReadSeq)).toEqual([heard, newest]);
      expect(onDesktop.events.at(-1)!.channel.unreadCount).toBe(0);
    } finally {
      await onDesktop.close();
    }
  });

  it('brings edits and deletions made through either instance to change subscribers on both, in rev order, once', async () => {
    const users = [await signedInUser(a, 'edit-a'), await signedInUser(b, 'edit-b')];
    const stored = await sendFrom(users, 6, 'to change');
    const [changesA, changesB] = [
      await LiveSubscription.changes(users[0], lobby),
      await LiveSubscription.changes(users[1], lobby),
    ];
    try {
      const changes = await changeFrom(users, bySender(users, stored), 'changed');
      const first = changes[0].rev;
      expect(changes.map((c) => c.rev)).toEqual(changes.map((_, i) => first + i));
      await Promise.all([changesA.received(12), changesB.received(12)]);
      expect(changesA.messages).toEqual(changes);
      expect(changesB.messages).toEqual(changes);
    } finally {
      await Promise.all([changesA.close(), changesB.close()]);
    }
  });

  it('ends, with NOT_FOUND, the subscriptions on one instance of a channel deleted through the other', async () => {
    const owner = await signedInUser(a, 'deleting-owner', Tier.PRO);
    const reader = await anotherSession(b, owner);
    const room = await owner.createChannel('PRIVATE');
    const [added, changed] = [await LiveSubscription.from(reader, room), await LiveSubscription.changes(reader, room)];
    try {
      // Both are live on b before the deletion.
      const said = (await owner.send(room, 'soon gone')).data!.sendMessage;
      await owner.edit(said.id, 'soon gone, edited');
      await Promise.all([added.received(1), changed.received(1)]);
      expect(codesOf(await owner.gql(DeleteChannel, { id: room }))).toEqual([]);
      await Promise.all([added.end(), changed.end()]);
      expect([...added.errors!, ...changed.errors!].map((e) => e.extensions?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    } finally {
      await Promise.all([added.close(), changed.close()]);
    }
  });

  it('ends, with FORBIDDEN, the subscriptions on one instance of a member removed through the other', async () => {
    const owner = await signedInUser(a, 'removing-owner', Tier.PRO);
    const member = await anotherSession(b, await signedInUser(a, 'removed-member'));
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    expect(codesOf(await member.gql(JOIN, { id: room, password: 'secret12' }))).toEqual([]);
    const [added, changed] = [await LiveSubscription.from(member, room), await LiveSubscription.changes(member, room)];
    try {
      // Both are live on b before the removal.
      const said = (await owner.send(room, 'still a member')).data!.sendMessage;
      await owner.edit(said.id, 'still a member, edited');
      await Promise.all([added.received(1), changed.received(1)]);
      expect(codesOf(await owner.gql(RemoveMember, { channelId: room, userId: member.id }))).toEqual([]);
      await Promise.all([added.end(), changed.end()]);
      expect([...added.errors!, ...changed.errors!].map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    } finally {
      await Promise.all([added.close(), changed.close()]);
    }
  });

  it('brings messages sent through either instance to subscribers on both, in seq order, each once', async () => {
    const onA = await signedInUser(a, 'on-a');
    const onB = await signedInUser(b, 'on-b');
    const [liveA, liveB] = [await LiveSubscription.from(onA, lobby), await LiveSubscription.from(onB, lobby)];
    try {
      const stored = await sendFrom([onA, onB, await signedInUser(a, 'x'), await signedInUser(b, 'y')], 10, 'both');
      await Promise.all([liveA.received(40), liveB.received(40)]);
      expectExactly(liveA, stored);
      expectExactly(liveB, stored);
    } finally {
      await Promise.all([liveA.close(), liveB.close()]);
    }
  });
});

describeReal('two instances on two bridged Mosquitto brokers (%s)', (_name, profile) => {
  let first: TestMosquitto;
  let second: TestMosquitto;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    first = await TestMosquitto.start();
    const prefix = `t${Date.now().toString(36)}`;
    second = await TestMosquitto.start({ bridgeTo: first, prefix });
    a = await startTestServer(profile, { topicPrefix: prefix, env: { ...env, MQTT_URL: first.url } });
    b = await startTestServer(profile, {
      databaseUrl: a.databaseUrl,
      topicPrefix: prefix,
      env: { ...env, MQTT_URL: second.url, MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await second?.stop();
    await first?.stop();
  });

  it('brings every message sent through one instance to a subscriber on the other, in order, once', async () => {
    const senders = [await signedInUser(a, 'sa1'), await signedInUser(a, 'sa2')];
    const reader = await signedInUser(b, 'reader');
    const writerOnB = await signedInUser(b, 'sb');
    const [onB, onA] = [await LiveSubscription.from(reader, lobby), await LiveSubscription.from(senders[0], lobby)];
    try {
      const stored = await sendFrom([...senders, writerOnB], 10, 'bridged');
      await Promise.all([onB.received(30), onA.received(30)]);
      expectExactly(onB, stored);
      expectExactly(onA, stored);
    } finally {
      await Promise.all([onB.close(), onA.close()]);
    }
  });
});

describeReal('a broker outage (%s)', (_name, profile) => {
  let broker: TestMosquitto;
  let server: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    broker = await TestMosquitto.start();
    server = await startTestServer(profile, {
      relay: { sweepIntervalMs: 250, sweepAfterMs: 500 },
      env: { ...env, MQTT_URL: broker.url },
    });
    other = await startTestServer(profile, {
      databaseUrl: server.databaseUrl,
      topicPrefix: server.topicPrefix,
      env: { ...env, MQTT_URL: broker.url, MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await other?.stop();
    await server?.stop();
    await broker?.stop();
  });

  it('looks sessions up in the database while the broker is down: a logout through the other instance holds at once', async () => {
    // `other` served the token (it holds the session in its cache); with the broker down, the logout's notice cannot
    // reach it, so it must not trust its cache until the broker is back.
    const user = await signedInUser(server, 'cached-outage');
    const onOther = new TestUser(other, user.token, user.id, user.email);
    expect((await onOther.gql('{ me { id } }')).data!.me).toEqual({ id: user.id });
    expect(other.app.services.auth.sessionCache.holds(tokenHash(user.token))).toBe(true);
    await broker.kill();
    await eventually(
      async () => (await fetch(`${other.url}/readyz`)).status === 503,
      'the other instance to lose the broker',
    );
    expect(codesOf(await user.gql('mutation { logout }'))).toEqual([]);
    expect((await onOther.gql('{ me { id } }')).data!.me).toBeNull();
    await broker.resume();
    for (const instance of [server, other]) {
      await eventually(async () => (await fetch(`${instance.url}/readyz`)).status === 200, 'the broker back');
    }
    expect((await onOther.gql('{ me { id } }')).data!.me).toBeNull();
  });

  it('delivers sends acknowledged during the outage to the storing instance at once, and to the others afterwards, in order, once', async () => {
    const users = [await signedInUser(server, 'o1'), await signedInUser(server, 'o2')];
    const reader = await signedInUser(other, 'o3');
    const [local, remote] = [await LiveSubscription.from(users[0], lobby), await LiveSubscription.from(reader, lobby)];
    try {
      const before = await sendFrom(users, 3, 'before');
      await Promise.all([local.received(6), remote.received(6)]);
      await broker.kill();
      const during = await sendFrom(users, 5, 'during');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      // The instance that stored them hands them to its own subscribers without the broker.
      await local.received(16);
      expectExactly(local, [...before, ...during]);
      await broker.resume();
      const after = await sendFrom(users, 2, 'after');
      const all = [...before, ...during, ...after];
      await Promise.all([local.received(all.length), remote.received(all.length)]);
      expectExactly(local, all);
      expectExactly(remote, all);
      // The storing instance reconnects on its own schedule (every second): ready again once it has.
      await eventually(async () => (await fetch(`${server.url}/readyz`)).status === 200, 'the instance to reconnect');
    } finally {
      await Promise.all([local.close(), remote.close()]);
    }
  });

  it('never publishes a body deleted during the outage once the broker is back: only the message as it is now', async () => {
    const writer = await signedInUser(server, 'secret-writer');
    const reader = await signedInUser(other, 'secret-reader');
    const [added, changed] = [
      await LiveSubscription.from(reader, lobby),
      await LiveSubscription.changes(reader, lobby),
    ];
    // Every payload the other instance's broker connection receives on the channel's topic.
    const heard: string[] = [];
    const hear = (_topic: string, payload: Buffer) => heard.push(payload.toString());
    other.app.broker.client.on('message', hear);
    try {
      // Both subscriptions are live (they have heard from the broker) before it goes away.
      const first = await writer.send(lobby, 'before the outage');
      await writer.edit(first.data!.sendMessage.id, 'before the outage, edited');
      await Promise.all([added.received(1), changed.received(1)]);
      await broker.kill();
      const secret = `the vault code is ${Math.random()}`;
      const res = await writer.send(lobby, secret);
      const message = res.data!.sendMessage;
      const deleted = (await writer.delete(message.id)).data!.deleteMessage;
      await broker.resume();
      await Promise.all([added.received(2), changed.received(2)]);
      expect(added.messages.slice(1)).toEqual([deleted]);
      expect(changed.messages.slice(1)).toEqual([{ rev: deleted.rev, type: 'DELETED', message: deleted }]);
      await eventually(
        async () =>
          (await count(server, 'messages', 'published_at is null')) +
            (await count(server, 'message_changes', 'published_at is null')) ===
          0,
        'the message and its deletion published',
      );
      expect(heard.some((text) => text.includes(message.id))).toBe(true);
      expect(heard.filter((text) => text.includes(secret))).toEqual([]);
    } finally {
      other.app.broker.client.off('message', hear);
      await Promise.all([added.close(), changed.close()]);
    }
  });

  it('delivers edits and deletions made during the outage to both instances afterwards, and to a client resuming from afterRev, in rev order, once', async () => {
    const users = [await signedInUser(server, 'e1'), await signedInUser(server, 'e2')];
    const reader = await signedInUser(other, 'e3');
    const stored = bySender(users, await sendFrom(users, 9, 'to change'));
    const part = (from: number, to: number) => stored.map((mine) => mine.slice(from, to));
    const [local, remote] = [
      await LiveSubscription.changes(users[0], lobby),
      await LiveSubscription.changes(reader, lobby),
    ];
    try {
      const before = await changeFrom(users, part(0, 3), 'before');
      await Promise.all([local.received(6), remote.received(6)]);
      await broker.kill();
      const during = await changeFrom(users, part(3, 6), 'during');
      // The instance that stored them hands them to its own subscribers without the broker.
      await local.received(12);
      expect(local.messages).toEqual([...before, ...during]);
      await broker.resume();
      const after = await changeFrom(users, part(6, 9), 'after');
      const all = [...before, ...during, ...after];
      expect(all.map((c) => c.rev)).toEqual(all.map((_, i) => all[0].rev + i));
      await Promise.all([local.received(all.length), remote.received(all.length)]);
      expect(local.messages).toEqual(all);
      expect(remote.messages).toEqual(all);
      // A client that was away since the first changes resumes with exactly what it missed, as it is now.
      const resumed = await LiveSubscription.changes(reader, lobby, before[5].rev);
      try {
        await resumed.received(12);
        expect(resumed.messages).toEqual([...during, ...after]);
      } finally {
        await resumed.close();
      }
      await eventually(
        async () => (await count(server, 'message_changes', 'published_at is null')) === 0,
        'every change published once the broker is back',
      );
    } finally {
      await Promise.all([local.close(), remote.close()]);
    }
  });
});
