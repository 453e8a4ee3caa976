import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { SECOND, TestClock } from '../support/clock';
import { CHANNEL, SEND, type TestUser, uniqueId } from '../support/chat';
import { count, rows } from '../support/db';
import { eventually } from '../support/eventually';
import { codesOf, gql } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describe.each(eachProfile)('sendMessage (%s)', (_name, profile) => {
  const clock = new TestClock();
  let server: TestServer;
  let ana: TestUser;
  let ben: TestUser;
  let room: string;

  const chat = useChatServer(profile, {
    clock,
  });
  beforeAll(async () => {
    server = chat.server;
    ana = await chat.user('ana', Tier.PLUS);
    ben = await chat.user('ben');
    room = await ana.createChannel('PRIVATE');
  });

  const stored = (channelId: string) => count(server, 'messages', 'channel_id = ?', [channelId]);
  const lastSeq = async (user: TestUser, id: string) => (await user.gql(CHANNEL, { id })).data!.channel!.lastSeq;

  it('stores the message and answers with the contract fields and the next seq', async () => {
    const before = await lastSeq(ana, room);
    const clientMessageId = uniqueId('first');
    const res = await ana.send(room, '  hello\tworld\n\n  ', clientMessageId);
    const message = res.data!.sendMessage;
    expect(message).toEqual({
      id: expect.any(String),
      channelId: room,
      seq: before + 1,
      kind: 'USER',
      body: '  hello\tworld',
      sender: { id: ana.id, displayName: expect.stringMatching(/^ana-/) },
      systemEvent: null,
      clientMessageId,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      editedAt: null,
      deletedAt: null,
      rev: 0,
    });
    expect(await lastSeq(ana, room)).toBe(before + 1);
    // The row records its publication: set once the broker acknowledged it.
    await eventually(
      async () => (await count(server, 'messages', 'id = ? and published_at is not null', [message.id])) === 1,
      'published_at to be set',
    );
  });

  it('gives messages, SYSTEM ones too, time-ordered ids (UUIDv7), so new rows append to the primary key', async () => {
    const channel = await ana.createChannel('PRIVATE');
    for (let i = 0; i < 5; i++) expect(codesOf(await ana.send(channel, `in order ${i}`))).toEqual([]);
    const ids = (
      await rows<{ id: string }>(server, 'select id from messages where channel_id = ? order by seq', [channel])
    ).map((row) => row.id);
    expect(ids).toHaveLength(6); // CHANNEL_CREATED and the five sends
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('returns the first message for a retry with the same clientMessageId, storing nothing new', async () => {
    const clientMessageId = uniqueId('retry');
    const first = (await ana.send(room, 'once', clientMessageId)).data!.sendMessage;
    const before = await stored(room);
    const again = (await ana.send(room, 'once', clientMessageId)).data!.sendMessage;
    expect(again).toEqual(first);
    expect(await stored(room)).toBe(before);
  });

  it('refuses a clientMessageId reused for another body or channel', async () => {
    const clientMessageId = uniqueId('reuse');
    await ana.send(room, 'original', clientMessageId);
    const before = await stored(room);
    const otherBody = await ana.send(room, 'changed', clientMessageId);
    expect(codesOf(otherBody)).toEqual(['BAD_USER_INPUT']);
    expect(otherBody.errors![0].extensions!.field).toBe('clientMessageId');
    const otherChannel = await ana.send(defaultChannelId('general'), 'original', clientMessageId);
    expect(codesOf(otherChannel)).toEqual(['BAD_USER_INPUT']);
    expect(await stored(room)).toBe(before);
  });

  it('keeps clientMessageIds per user: two users may use the same one', async () => {
    const general = defaultChannelId('general');
    const clientMessageId = uniqueId('shared');
    const a = (await ana.send(general, 'from ana', clientMessageId)).data!.sendMessage;
    const b = (await ben.send(general, 'from ben', clientMessageId)).data!.sendMessage;
    expect(a.id).not.toBe(b.id);
    expect(b.seq).toBe(a.seq + 1);
  });

  it.each([
    ['case', 'msg-1', 'MSG-1'],
    ['a trailing space', 'c-1', 'c-1 '],
    ['an accent', 'e', '\u00e9'],
    ['the emoji', '\u{1f363}', '\u{1f37a}'],
  ])('tells clientMessageIds apart that differ only in %s: each is a message of its own', async (_what, one, other) => {
    const prefix = uniqueId('exact');
    const a = (await ana.send(room, 'one', prefix + one)).data!.sendMessage;
    const b = await ana.send(room, 'other', prefix + other);
    expect(codesOf(b)).toEqual([]);
    expect(b.data!.sendMessage).toMatchObject({ body: 'other', clientMessageId: prefix + other, seq: a.seq + 1 });
  });

  it.each([
    ['an empty body', '', 'body'],
    ['a whitespace-only body', ' \n\t ', 'body'],
    ['a 4001-character body', 'x'.repeat(4001), 'body'],
    ['a body with NUL', 'a\u0000b', 'body'],
    ['a body with another control character', 'ding\u0007', 'body'],
    ['a carriage return', 'line\r\nnext', 'body'],
    ['a lone surrogate', 'broken \ud83d pair', 'body'],
  ])('refuses %s with BAD_USER_INPUT, storing nothing and taking no seq', async (_what, body, field) => {
    const before = await lastSeq(ana, room);
    const res = await ana.send(room, body);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(res.data).toBeNull();
    expect(await lastSeq(ana, room)).toBe(before);
  });

  it.each([
    ['an empty clientMessageId', ''],
    ['a 65-character clientMessageId', 'c'.repeat(65)],
    ['a clientMessageId with a lone surrogate', 'id-\udc00'],
  ])('refuses %s', async (_what, clientMessageId) => {
    const before = await lastSeq(ana, room);
    const res = await ana.send(room, 'hello', clientMessageId);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('clientMessageId');
    expect(await lastSeq(ana, room)).toBe(before);
  });

  it('accepts 4000 characters (counted as characters, not bytes or UTF-16 units), newlines and tabs', async () => {
    expect(codesOf(await ana.send(room, 'x'.repeat(4000)))).toEqual([]);
    expect(codesOf(await ana.send(room, '😀'.repeat(4000)))).toEqual([]);
    const res = await ana.send(room, 'line one\n\tline two');
    expect(res.data!.sendMessage.body).toBe('line one\n\tline two');
    expect(codesOf(await ana.send(room, 'c', 'c'.repeat(64)))).toEqual([]);
  });

  it('limits a user to 30 messages in 10 s (RATE_LIMITED with retryAfterSeconds), storing nothing past it', async () => {
    const sender = await chat.user('chatty');
    const general = defaultChannelId('general');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await sender.send(general, `message ${i}`, `burst-${i}`);
      expect(codesOf(res)).toEqual([]);
      ids.push(res.data!.sendMessage.id);
    }
    const limited = await sender.send(general, 'one too many');
    expect(codesOf(limited)).toEqual(['RATE_LIMITED']);
    const retry = limited.errors![0].extensions!.retryAfterSeconds as number;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(10);
    expect(await count(server, 'messages', 'sender_id = ?', [sender.id])).toBe(30);
    // A retry of a stored message is not a new send: it still answers.
    expect((await sender.send(general, 'message 3', 'burst-3')).data!.sendMessage.id).toBe(ids[3]);
    clock.advance(10 * SECOND);
    expect(codesOf(await sender.send(general, 'after the pause'))).toEqual([]);
  });

  it('needs a session', async () => {
    const res = await gql(server.url, SEND, { input: { channelId: room, body: 'hi', clientMessageId: 'x' } });
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
  });
});
