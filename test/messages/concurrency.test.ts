import { defaultChannelId } from '../../src/services/channel.service';
import { Tier } from '../../src/entities';
import { JOIN, TestUser } from '../support/chat';
import { rows } from '../support/db';
import { TestClock } from '../support/clock';
import { codesOf } from '../support/graphql';
import { describeReal, eachProfile } from '../support/profiles';
import { signedInUser, useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

const SENDERS = 20;
const PER_SENDER = 5;

/**
 * Every sender sends its messages one after another, and each send goes out twice at once (a client retrying
 * before the first answer came back). The channel must end with seq 1..N, no gap, no repeat, each message once.
 */
async function sendConcurrently(users: TestUser[], channelId: string) {
  const answers = await Promise.all(
    users.map(async (user, u) => {
      const ids: string[] = [];
      for (let i = 0; i < PER_SENDER; i++) {
        const clientMessageId = `u${u}-m${i}`;
        const [a, b] = await Promise.all([
          user.send(channelId, `hello ${u}/${i}`, clientMessageId),
          user.send(channelId, `hello ${u}/${i}`, clientMessageId),
        ]);
        expect(codesOf(a)).toEqual([]);
        expect(codesOf(b)).toEqual([]);
        expect(b.data!.sendMessage.id).toBe(a.data!.sendMessage.id);
        ids.push(a.data!.sendMessage.id);
      }
      return ids;
    }),
  );
  return answers.flat();
}

async function expectGapFree(server: TestServer, channelId: string, sentIds: string[]) {
  const stored = await rows<{ id: string; seq: number; client_message_id: string | null; sender_id: string | null }>(
    server,
    'select id, seq, client_message_id, sender_id from messages where channel_id = ? order by seq',
    [channelId],
  );
  const seqs = stored.map((r) => Number(r.seq));
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const users = stored.filter((r) => r.client_message_id !== null);
  expect(users).toHaveLength(SENDERS * PER_SENDER);
  expect(new Set(users.map((r) => `${r.sender_id}/${r.client_message_id}`)).size).toBe(SENDERS * PER_SENDER);
  expect(new Set(sentIds)).toEqual(new Set(users.map((r) => r.id)));
}

async function signInMany(servers: TestServer[]): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < SENDERS; i++) users.push(await signedInUser(servers[i % servers.length], `sender${i}`));
  return users;
}

/**
 * One user sends `n` different messages at once, spread over `servers` (instances sharing one database), across two
 * channels; the contract's limit (30 per 10 s) must hold exactly: 30 stored, the rest RATE_LIMITED, nothing else.
 */
async function flood(user: TestUser, servers: TestServer[], channels: string[], n: number) {
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const on = new TestUser(servers[i % servers.length], user.token, user.id, user.email);
      return on.send(channels[i % channels.length], `flood ${i}`);
    }),
  );
  const codes = answers.map((a) => codesOf(a)[0] ?? 'OK');
  const stored = await rows<{ n: number | string }>(
    servers[0],
    'select count(*) as n from messages where sender_id = ?',
    [user.id],
  );
  return { codes, stored: Number(stored[0].n), answers };
}

describe.each(eachProfile)('concurrent senders on one instance (%s)', (_name, profile) => {
  let server: TestServer;
  const clock = new TestClock();
  const chat = useChatServer(profile, {
    clock,
    // These tests send many operations of one user at once on purpose: the per-user and per-address quotas are not
    // what they test.
    env: { MAX_OPERATIONS_PER_USER: '1000', MAX_REQUESTS_PER_ADDRESS: '1000', DEFAULT_CHANNELS: 'busy' },
  });
  beforeAll(() => {
    server = chat.server;
  });

  it(`gets seq 1..N with each of ${SENDERS}×${PER_SENDER} messages stored once, every send retried`, async () => {
    const users = await signInMany([server]);
    const ids = await sendConcurrently(users, defaultChannelId('busy'));
    await expectGapFree(server, defaultChannelId('busy'), ids);
  });

  it('holds the send limit exactly under 60 and 200 sends at once: 30 stored, every other one RATE_LIMITED', async () => {
    const user = await chat.user('flooder', Tier.PLUS);
    const rooms = [await user.createChannel('PRIVATE'), await user.createChannel('PRIVATE')];
    // Stopped: on a slow machine the 10 s window could otherwise pass between the floods and free places.
    clock.freeze();
    try {
      await floods(user, rooms);
    } finally {
      clock.thaw();
    }
  });

  async function floods(user: TestUser, rooms: string[]) {
    const first = await flood(user, [server], rooms, 60);
    expect(first.stored).toBe(30);
    expect(first.codes.filter((c) => c === 'OK')).toHaveLength(30);
    expect(first.codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(30);
    const refusal = first.answers.find((a) => codesOf(a)[0] === 'RATE_LIMITED')!;
    expect(refusal.errors![0].extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refusal.errors![0].extensions!.retryAfterSeconds).toBeLessThanOrEqual(10);
    const second = await flood(user, [server], rooms, 200);
    expect(second.stored).toBe(30);
    expect(second.codes.filter((c) => c !== 'RATE_LIMITED')).toEqual([]);
  }
});

describeReal('concurrent senders on two instances sharing one MySQL (%s)', (_name, profile) => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    const env = {
      // These tests send many operations of one user at once on purpose: the per-user and per-address quotas are not
      // what they test.
      MAX_OPERATIONS_PER_USER: '1000',
      MAX_REQUESTS_PER_ADDRESS: '1000',
      DEFAULT_CHANNELS: 'busy',
    };
    first = await startTestServer(profile, { env });
    second = await startTestServer(profile, {
      databaseUrl: first.databaseUrl,
      env: { ...env, MIGRATE_ON_START: 'false' },
    });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it(`gets seq 1..N with each of ${SENDERS}×${PER_SENDER} messages stored once, every send retried`, async () => {
    const users = await signInMany([first, second]);
    const ids = await sendConcurrently(users, defaultChannelId('busy'));
    await expectGapFree(first, defaultChannelId('busy'), ids);
  });

  it('holds the send limit exactly when one user floods both instances at once', async () => {
    const user = await signedInUser(first, 'flooder');
    const { stored, codes } = await flood(user, [first, second], [defaultChannelId('busy')], 120);
    expect(stored).toBe(30);
    expect(codes.filter((c) => c === 'OK')).toHaveLength(30);
    expect(codes.filter((c) => c !== 'OK' && c !== 'RATE_LIMITED')).toEqual([]);
  });
});

describe.each(eachProfile)('sends that share a transaction (%s)', (_name, profile) => {
  let server: TestServer;
  const chat = useChatServer(profile, {
    // These tests send many operations of one user at once on purpose: the per-user quota is not what they test.
    env: { MAX_OPERATIONS_PER_USER: '1000', DEFAULT_CHANNELS: 'east,west,north' },
  });
  beforeAll(() => {
    server = chat.server;
  });

  it('answers each sender for itself: members stored in order, non-members refused, nothing else lost', async () => {
    const owner = await chat.user('owner', Tier.PRO);
    const club = await owner.createChannel('PASSWORD', 'club', 'secret12');
    const members = [owner, await chat.user('m1'), await chat.user('m2')];
    for (const member of members.slice(1)) await member.gql(JOIN, { id: club, password: 'secret12' });
    const outsiders = [await chat.user('o1'), await chat.user('o2')];
    const sends = [...members, ...outsiders].flatMap((user) =>
      Array.from({ length: 5 }, (_, i) => ({ user, body: `${user.email} ${i}` })),
    );
    const results = await Promise.all(sends.map(({ user, body }) => user.send(club, body)));
    results.forEach((res, i) => {
      const isMember = members.includes(sends[i].user);
      expect(codesOf(res)).toEqual(isMember ? [] : ['FORBIDDEN']);
    });
    const stored = results
      .filter((r) => !r.errors)
      .map((r) => r.data!.sendMessage.seq)
      .sort((a, b) => a - b);
    expect(stored).toHaveLength(15);
    expect(stored).toEqual(Array.from({ length: 15 }, (_, i) => stored[0] + i));
    const seqs = await rows<{ seq: number }>(server, 'select seq from messages where channel_id = ? order by seq', [
      club,
    ]);
    expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('refuses sends to ids no channel can have with NOT_FOUND, and the sends batched with them are stored', async () => {
    const users = [await chat.user('y1'), await chat.user('y2')];
    const impossible = ['\u0000', 'north\u0000', 'x'.repeat(5000), "' or 1=1 --"];
    const sends = users.flatMap((user) =>
      Array.from({ length: 8 }, (_, i) => ({
        user,
        channelId: i % 2 ? impossible[i >> 1] : defaultChannelId('north'),
      })),
    );
    const results = await Promise.all(sends.map(({ user, channelId }, i) => user.send(channelId, `${i}`)));
    results.forEach((res, i) =>
      expect(codesOf(res)).toEqual(sends[i].channelId === defaultChannelId('north') ? [] : ['NOT_FOUND']),
    );
    const stored = results.filter((res) => !res.errors).map((res) => res.data!.sendMessage.id);
    expect(stored).toHaveLength(8);
    const found = await rows<{ id: string }>(server, 'select id from messages where channel_id = ?', [
      defaultChannelId('north'),
    ]);
    expect(found.map((r) => r.id)).toEqual(expect.arrayContaining(stored));
  });

  it("keeps each channel's seqs and each sender's answer apart when one transaction stores several channels", async () => {
    // Sends to four channels at once: whatever batches the server forms, a DEFAULT, PRIVATE or PASSWORD channel's
    // refusals and seqs must not leak into another's.
    const owner = await chat.user('mixer', Tier.PRO);
    const own = await owner.createChannel('PRIVATE');
    const club = await owner.createChannel('PASSWORD', undefined, 'secret12');
    const others = [await chat.user('x1'), await chat.user('x2')];
    await others[0].gql(JOIN, { id: club, password: 'secret12' });
    const channels = [defaultChannelId('east'), defaultChannelId('west'), own, club];
    const sends = [owner, ...others].flatMap((user) =>
      channels.flatMap((channelId) => Array.from({ length: 3 }, (_, i) => ({ user, channelId, body: `${i}` }))),
    );
    const results = await Promise.all(sends.map(({ user, channelId, body }) => user.send(channelId, body)));

    const expected = (user: TestUser, channelId: string) =>
      channelId === own && user !== owner
        ? ['NOT_FOUND']
        : channelId === club && user === others[1]
          ? ['FORBIDDEN']
          : [];
    results.forEach((res, i) => expect(codesOf(res)).toEqual(expected(sends[i].user, sends[i].channelId)));
    for (const channelId of channels) {
      const answered = results
        .filter((res, i) => sends[i].channelId === channelId && !res.errors)
        .map((res) => res.data!.sendMessage);
      expect(answered.every((m) => m.channelId === channelId)).toBe(true);
      const stored = await rows<{ seq: number; client_message_id: string | null }>(
        server,
        'select seq, client_message_id from messages where channel_id = ? order by seq',
        [channelId],
      );
      expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      const userSeqs = stored.filter((r) => r.client_message_id !== null).map((r) => Number(r.seq));
      expect(answered.map((m) => m.seq).sort((a, b) => a - b)).toEqual(userSeqs);
    }
  });
});
