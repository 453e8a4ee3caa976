import { randomUUID } from 'node:crypto';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { MemberStore } from '../../src/services/store/member.store';
import { ReadStore, UNREAD_SCAN } from '../../src/services/store/read.store';
import { JOIN, LEAVE, type TestUser } from '../support/chat';
import { anotherSession, useChatServer } from '../support/chat-server';
import { count, rows } from '../support/db';
import { eventually } from '../support/eventually';
import { codesOf } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { listenToViewerEvents, markUntilHeard } from '../support/viewer-events';

const MARK = `mutation ($id: ID!, $seq: Int!) { markRead(channelId: $id, seq: $seq) { id lastSeq lastReadSeq unreadCount } }`;
const READ_STATE = `query ($id: ID!) { channel(id: $id) { lastSeq lastReadSeq unreadCount memberCount canAccess } }`;
const LIST = `{ channels { id kind canAccess lastSeq lastReadSeq unreadCount memberCount } }`;
const MEMBERS = `query ($id: ID!, $first: Int, $after: String) {
  channel(id: $id) { memberCount members(first: $first, after: $after) {
    edges { cursor node { id displayName } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;

describe.each(eachProfile)('read positions and unread counts (%s)', (_name, profile) => {
  const chat = useChatServer(profile, {
    // Some tests send many messages of a few users at once on purpose: the per-user quota is not what they test.
    env: { DEFAULT_CHANNELS: 'general,lobby', MAX_OPERATIONS_PER_USER: '100' },
  });
  const lobby = defaultChannelId('lobby');
  const state = async (user: TestUser, id: string) => (await user.gql(READ_STATE, { id })).data!.channel;

  it("counts USER messages by others after the read position; one's own and SYSTEM messages do not count", async () => {
    const pro = await chat.user('counting-owner', Tier.PRO);
    const room = await pro.createChannel('PASSWORD', undefined, 'secret12');
    const reader = await chat.user('counting-reader');
    await reader.gql(JOIN, { id: room, password: 'secret12' });
    expect(await state(reader, room)).toMatchObject({ lastReadSeq: 0, unreadCount: 0 });
    await pro.send(room, 'one');
    await pro.send(room, 'two');
    await reader.send(room, 'mine');
    const late = await chat.user('counting-late');
    await late.gql(JOIN, { id: room, password: 'secret12' }); // a SYSTEM message
    const before = await state(reader, room);
    expect(before).toMatchObject({ lastReadSeq: 0, unreadCount: 2 });
    // Seqs: created, reader joined, one, two, mine, late joined. Read up to "one": "two" is still unread.
    expect((await reader.gql(MARK, { id: room, seq: 3 })).data!.markRead).toMatchObject({
      id: room,
      lastReadSeq: 3,
      unreadCount: 1,
    });
    const marked = (await reader.gql(MARK, { id: room, seq: before.lastSeq })).data!.markRead;
    expect(marked).toMatchObject({ id: room, lastReadSeq: before.lastSeq, unreadCount: 0 });
    await pro.send(room, 'three');
    expect(await state(reader, room)).toMatchObject({ lastReadSeq: before.lastSeq, unreadCount: 1 });
    // The owner's own view is apart: the reader's message is the one unread there.
    expect(await state(pro, room)).toMatchObject({ lastReadSeq: 0, unreadCount: 1 });
  });

  it('only moves forward: an older seq is accepted and changes nothing', async () => {
    const writer = await chat.user('forward-writer');
    const reader = await chat.user('forward-reader');
    for (const body of ['a', 'b', 'c']) await writer.send(lobby, body);
    const { lastSeq } = await state(reader, lobby);
    expect((await reader.gql(MARK, { id: lobby, seq: lastSeq })).data!.markRead.lastReadSeq).toBe(lastSeq);
    const older = await reader.gql(MARK, { id: lobby, seq: lastSeq - 2 });
    expect(codesOf(older)).toEqual([]);
    expect(older.data!.markRead).toMatchObject({ lastReadSeq: lastSeq, unreadCount: 0 });
    expect((await reader.gql(MARK, { id: lobby, seq: 0 })).data!.markRead.lastReadSeq).toBe(lastSeq);
  });

  it('keeps the highest of many marks sent at once, whatever order they land in', async () => {
    const writer = await chat.user('race-writer');
    const reader = await chat.user('race-reader');
    for (let i = 0; i < 20; i++) await writer.send(lobby, `m${i}`);
    const { lastSeq } = await state(reader, lobby);
    const seqs = Array.from({ length: 40 }, (_, i) => lastSeq - (i % 20));
    const answers = await Promise.all(seqs.map((seq) => reader.gql(MARK, { id: lobby, seq })));
    expect(answers.flatMap(codesOf)).toEqual([]);
    expect(await state(reader, lobby)).toMatchObject({ lastReadSeq: lastSeq, unreadCount: 0 });
    expect(await count(chat.server, 'read_positions', 'user_id = ?', [reader.id])).toBe(1);
  });

  it('counts every message of concurrent senders exactly once', async () => {
    const senders = await Promise.all(Array.from({ length: 5 }, (_, i) => chat.user(`busy-${i}`)));
    const reader = await chat.user('busy-reader');
    const pro = await chat.user('busy-owner', Tier.PRO);
    const room = await pro.createChannel('PASSWORD', undefined, 'secret12');
    for (const u of [...senders, reader]) await u.gql(JOIN, { id: room, password: 'secret12' });
    const before = await state(reader, room);
    await reader.gql(MARK, { id: room, seq: before.lastSeq });
    const sent = await Promise.all(senders.flatMap((u) => Array.from({ length: 8 }, (_, i) => u.send(room, `x${i}`))));
    expect(sent.flatMap(codesOf)).toEqual([]);
    expect(await state(reader, room)).toMatchObject({ lastSeq: before.lastSeq + 40, unreadCount: 40 });
  });

  it('refuses a seq past the newest or below 0, and channels the viewer cannot read, storing nothing', async () => {
    const owner = await chat.user('refusal-owner', Tier.PRO);
    const secret = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const mine = await owner.createChannel('PRIVATE');
    const other = await chat.user('refusal-other');
    const { lastSeq } = await state(other, lobby);
    expect(codesOf(await other.gql(MARK, { id: lobby, seq: lastSeq + 1 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await other.gql(MARK, { id: lobby, seq: -1 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await other.gql(MARK, { id: secret, seq: 0 }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await other.gql(MARK, { id: mine, seq: 0 }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await other.gql(MARK, { id: randomUUID(), seq: 0 }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await other.gql(MARK, { id: 'not-an-id', seq: 0 }))).toEqual(['NOT_FOUND']);
    expect(await count(chat.server, 'read_positions', 'user_id = ?', [other.id])).toBe(0);
  });

  it(`counts at most the newest ${UNREAD_SCAN} messages, however long the viewer was away`, async () => {
    const owner = await chat.user('scan-owner', Tier.PLUS);
    const room = await owner.createChannel('PRIVATE');
    const writer = await chat.user('scan-writer');
    // Written straight to the database: 1,100 sends would take the send limit's minutes. The owner reads them.
    const [{ s }] = await rows<{ s: number }>(chat.server, 'select last_seq as s from channels where id = ?', [room]);
    const now = chat.server.app.orm.em.getPlatform().processDateProperty(new Date());
    for (let i = 0; i < 1100; i += 100) {
      const values = Array.from({ length: 100 }, (_, j) => [
        randomUUID(),
        room,
        Number(s) + i + j + 1,
        'USER',
        `old ${i + j}`,
        writer.id,
        `scan-${i + j}`,
        now,
      ]);
      await rows(
        chat.server,
        `insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at) values ${values.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values.flat(),
      );
    }
    await rows(chat.server, 'update channels set last_seq = ? where id = ?', [Number(s) + 1100, room]);
    expect(await state(owner, room)).toMatchObject({ lastSeq: Number(s) + 1100, unreadCount: UNREAD_SCAN });
    await owner.gql(MARK, { id: room, seq: Number(s) + 1090 });
    expect((await state(owner, room)).unreadCount).toBe(10);
  });

  it('answers every channel of the list with one read of the read positions and one of the member counts', async () => {
    const user = await chat.user('lister', Tier.PRO);
    await user.createChannel('PRIVATE');
    await user.createChannel('PASSWORD', undefined, 'secret12');
    const outsider = await chat.user('lister-outsider', Tier.PRO);
    const closed = await outsider.createChannel('PASSWORD', undefined, 'secret12');
    await outsider.send(closed, 'you cannot count me');
    const states = jest.spyOn(ReadStore.prototype, 'states');
    const counts = jest.spyOn(MemberStore.prototype, 'counts');
    try {
      const res = await user.gql(LIST);
      expect(codesOf(res)).toEqual([]);
      const listed = res.data!.channels as { id: string; kind: string; canAccess: boolean; unreadCount: number }[];
      expect(listed.length).toBeGreaterThanOrEqual(4);
      expect(states).toHaveBeenCalledTimes(1);
      expect(counts).toHaveBeenCalledTimes(1);
      // A channel the viewer cannot access reads as nothing to read, like its lastSeq.
      expect(listed.find((c) => c.id === closed)).toMatchObject({
        canAccess: false,
        lastSeq: 0,
        lastReadSeq: 0,
        unreadCount: 0,
        memberCount: 0,
      });
    } finally {
      states.mockRestore();
      counts.mockRestore();
    }
  });
});

describe.each(eachProfile)("a user's other clients (%s)", (_name, profile) => {
  const chat = useChatServer(profile, {
    env: { DEFAULT_CHANNELS: 'general,lobby', MAX_SUBSCRIPTIONS_PER_USER: '2' },
  });
  const general = defaultChannelId('general');
  const lobby = defaultChannelId('lobby');

  /** `count` messages in the channel from a user of their own (sends are limited per user); its newest seq. */
  const fill = async (channelId: string, count: number) => {
    const writer = await chat.user('events-writer');
    let last = 0;
    for (let i = 0; i < count; i++) last = (await writer.send(channelId, `m${i}`)).data!.sendMessage.seq;
    return last;
  };
  const marker = (user: TestUser, id: string) => async (seq: number) =>
    expect(codesOf(await user.gql(MARK, { id, seq }))).toEqual([]);

  it('learn each read position moved on one client, with the channel as it now reads; nobody else does', async () => {
    const newest = await fill(general, 15);
    const lobbyNewest = await fill(lobby, 15);
    const phone = await chat.user('events-phone');
    const desktop = await anotherSession(chat.server, phone);
    const stranger = await chat.user('events-stranger');
    const onDesktop = listenToViewerEvents(chat.server, desktop);
    const onStranger = listenToViewerEvents(chat.server, stranger);
    try {
      // Both subscriptions are live once each has heard a mark of its own user.
      const heard = await markUntilHeard(
        marker(phone, general),
        { from: 1, to: newest - 1 },
        () => onDesktop.events.length > 0,
      );
      const strangerAt = await markUntilHeard(
        marker(stranger, lobby),
        { from: 1, to: lobbyNewest - 1 },
        () => onStranger.events.length > 0,
      );
      onDesktop.events.splice(0);
      onStranger.events.splice(0);

      await marker(phone, general)(newest);
      await eventually(() => onDesktop.events.some((e) => e.channel.lastReadSeq === newest), 'the new position');
      expect(onDesktop.events.at(-1)).toEqual({
        kind: 'READ_POSITION',
        channel: { id: general, lastSeq: newest, lastReadSeq: newest, unreadCount: 0 },
      });
      // A mark that moves nothing is no news: the next event the desktop hears is the phone's mark in the lobby.
      onDesktop.events.splice(0);
      await marker(phone, general)(heard);
      await marker(phone, lobby)(1);
      await eventually(() => onDesktop.events.length > 0, 'the lobby mark');
      expect(onDesktop.events.map((e) => e.channel.id)).toEqual([lobby]);
      // The stranger heard nothing of the phone's marks: their next event is their own.
      await marker(stranger, lobby)(strangerAt + 1);
      await eventually(() => onStranger.events.length > 0, "the stranger's own mark");
      expect(onStranger.events.map((e) => [e.channel.id, e.channel.lastReadSeq])).toEqual([[lobby, strangerAt + 1]]);
      expect([...onDesktop.errors, ...onStranger.errors]).toEqual([]);
    } finally {
      await Promise.all([onDesktop.close(), onStranger.close()]);
    }
  });

  it('holds at most MAX_SUBSCRIPTIONS_PER_USER viewerEvents subscriptions of one user, and frees a place as one ends', async () => {
    const newest = await fill(general, 10);
    const user = await chat.user('events-many');
    const open = [listenToViewerEvents(chat.server, user), listenToViewerEvents(chat.server, user)];
    let third = listenToViewerEvents(chat.server, user);
    try {
      // One of the three, whichever the server took last, is refused.
      await eventually(() => open.concat(third).some((l) => l.errors.length > 0), 'a refusal');
      expect(open.concat(third).flatMap((l) => l.errors.map((e) => e.extensions?.code))).toEqual(['BAD_USER_INPUT']);
      const refused = open.concat(third).find((l) => l.errors.length > 0)!;
      const kept = open.concat(third).filter((l) => l !== refused);
      await Promise.all([refused.close(), kept[0].close()]);
      third = listenToViewerEvents(chat.server, user);
      await markUntilHeard(
        marker(user, general),
        { from: 1, to: newest },
        () => third.events.length > 0 && kept[1].events.length > 0,
      );
      expect(third.errors).toEqual([]);
      open.splice(0, 2, kept[1]);
    } finally {
      await Promise.all([...open.map((l) => l.close()), third.close()]);
    }
  });

  it('refuses viewerEvents without a signed-in user', async () => {
    const anonymous = listenToViewerEvents(chat.server, null);
    try {
      await eventually(() => anonymous.errors.length > 0, 'the refusal');
      expect(anonymous.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    } finally {
      await anonymous.close();
    }
  });
});

describe.each(eachProfile)('channel members (%s)', (_name, profile) => {
  const chat = useChatServer(profile, { env: { DEFAULT_CHANNELS: 'general' } });

  it('lists the members of a PASSWORD channel in the order they joined, a page at a time', async () => {
    const owner = await chat.user('members-owner', Tier.PRO);
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const joiners: TestUser[] = [];
    for (let i = 0; i < 4; i++) {
      const u = await chat.user(`members-${i}`);
      await u.gql(JOIN, { id: room, password: 'secret12' });
      joiners.push(u);
    }
    await joiners[1].gql(LEAVE, { id: room });
    const expected = [owner, joiners[0], joiners[2], joiners[3]].map((u) => u.id);
    const first = (await owner.gql(MEMBERS, { id: room, first: 3 })).data!.channel;
    expect(first.memberCount).toBe(4);
    expect(first.members.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expected.slice(0, 3));
    expect(first.members.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = (await joiners[0].gql(MEMBERS, { id: room, first: 3, after: first.members.pageInfo.endCursor })).data!
      .channel.members;
    expect(rest.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expected.slice(3));
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('gives a PRIVATE channel its owner as the one member and a DEFAULT channel none', async () => {
    const owner = await chat.user('private-owner', Tier.PLUS);
    const mine = await owner.createChannel('PRIVATE');
    const own = (await owner.gql(MEMBERS, { id: mine })).data!.channel;
    expect(own.memberCount).toBe(1);
    expect(own.members.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([owner.id]);
    const general = (await owner.gql(MEMBERS, { id: defaultChannelId('general') })).data!.channel;
    expect(general).toMatchObject({ memberCount: 0, members: { edges: [], pageInfo: { hasNextPage: false } } });
  });

  it('refuses the member list to those who cannot access the channel, and bad pages and cursors', async () => {
    const owner = await chat.user('closed-owner', Tier.PRO);
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const other = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const outsider = await chat.user('closed-outsider');
    const refused = await outsider.gql(MEMBERS, { id: room });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(codesOf(await owner.gql(MEMBERS, { id: room, first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await owner.gql(MEMBERS, { id: room, first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await owner.gql(MEMBERS, { id: room, after: 'bm9wZQ' }))).toEqual(['BAD_USER_INPUT']);
    // A cursor of another channel's members is refused, not read as a position in this one.
    const elsewhere = (await owner.gql(MEMBERS, { id: other, first: 1 })).data!.channel.members.pageInfo.endCursor;
    expect(codesOf(await owner.gql(MEMBERS, { id: room, after: elsewhere }))).toEqual(['BAD_USER_INPUT']);
  });
});
