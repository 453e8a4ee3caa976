import type { CreateChannelInput } from '../../client/generated/graphql';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { DAY, TestClock } from '../support/clock';
import { CHANNEL, CHANNELS, CREATE, JOIN, LEAVE, TestUser, uniqueId } from '../support/chat';
import { count, rows } from '../support/db';
import { codesOf } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

describe.each(eachProfile)('channels (%s)', (_name, profile) => {
  const clock = new TestClock();
  let server: TestServer;
  let free: TestUser;
  let plus: TestUser;
  let pro: TestUser;

  const chat = useChatServer(profile, {
    clock,
    env: {
      // These tests send many operations of one user at once on purpose: the per-user quota is not what they test.
      MAX_OPERATIONS_PER_USER: '1000',
      DEFAULT_CHANNELS: 'general,random',
    },
  });
  beforeAll(async () => {
    server = chat.server;
    free = await chat.user('free');
    plus = await chat.user('plus', Tier.PLUS);
    pro = await chat.user('pro', Tier.PRO);
  });

  const channelRows = () => count(server, 'channels');

  describe('DEFAULT channels', () => {
    it('come from DEFAULT_CHANNELS with stable ids, each with a CHANNEL_CREATED message', async () => {
      const res = await free.gql(CHANNELS);
      const defaults = res.data!.channels.filter((c: any) => c.kind === 'DEFAULT');
      expect(defaults.map((c: any) => [c.name, c.id])).toEqual([
        ['general', defaultChannelId('general')],
        ['random', defaultChannelId('random')],
      ]);
      expect(defaults.every((c: any) => c.canAccess && c.owner === null && c.lastSeq >= 1)).toBe(true);
      const history = await free.history(defaultChannelId('general'), { first: 1 });
      expect(history.data!.messages.edges[0].node).toMatchObject({
        seq: 1,
        kind: 'SYSTEM',
        systemEvent: 'CHANNEL_CREATED',
        sender: null,
      });
    });

    it('are created once when several instances start on one database at the same time', async () => {
      const env = { DEFAULT_CHANNELS: 'lobby,news', MIGRATE_ON_START: 'false' };
      const more = await Promise.all(
        [1, 2, 3].map(() => startTestServer(profile, { databaseUrl: server.databaseUrl, env })),
      );
      await Promise.all(more.map((s) => s.stop()));
      const [lobby] = await rows<{ n: number }>(server, 'select count(*) as n from channels where name = ?', ['lobby']);
      expect(Number(lobby.n)).toBe(1);
      const created = await count(server, 'messages', 'channel_id = ? and system_event = ?', [
        defaultChannelId('lobby'),
        'CHANNEL_CREATED',
      ]);
      expect(created).toBe(1);
    });

    it('cannot be created through the API', async () => {
      const before = await channelRows();
      const res = await pro.gql(CREATE, { input: { name: 'mine', kind: 'DEFAULT' } });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe('kind');
      expect(await channelRows()).toBe(before);
    });

    it('are open to everyone signed in, and joining or leaving them changes nothing', async () => {
      const id = defaultChannelId('general');
      expect((await free.gql(JOIN, { id })).data!.joinChannel).toMatchObject({ id, canAccess: true });
      expect((await free.gql(LEAVE, { id })).data!.leaveChannel).toBe(false);
      expect(codesOf(await free.send(id, 'hello'))).toEqual([]);
    });
  });

  describe('tiers', () => {
    it('lets PLUS create a PRIVATE channel, owned and entered by its creator only', async () => {
      const name = uniqueId('private');
      const res = await plus.gql(CREATE, { input: { name: `  ${name}  `, kind: 'PRIVATE' } });
      const channel = res.data!.createChannel;
      expect(channel).toMatchObject({ name, kind: 'PRIVATE', canAccess: true, lastSeq: 1, owner: { id: plus.id } });
      expect(channel.topic).toBe(`${server.topicPrefix}/channel/${channel.id}`);
      const first = await plus.history(channel.id);
      expect(first.data!.messages.edges.map((e: any) => [e.node.seq, e.node.systemEvent])).toEqual([
        [1, 'CHANNEL_CREATED'],
      ]);
    });

    it('refuses PRIVATE to FREE and PASSWORD to PLUS with TIER_REQUIRED and the tier needed', async () => {
      const before = await channelRows();
      const a = await free.gql(CREATE, { input: { name: 'x', kind: 'PRIVATE' } });
      expect(codesOf(a)).toEqual(['TIER_REQUIRED']);
      expect(a.errors![0].extensions!.requiredTier).toBe('PLUS');
      const b = await plus.gql(CREATE, { input: { name: 'x', kind: 'PASSWORD', password: 'secret' } });
      expect(codesOf(b)).toEqual(['TIER_REQUIRED']);
      expect(b.errors![0].extensions!.requiredTier).toBe('PRO');
      const c = await free.gql(CREATE, { input: { name: 'x', kind: 'PASSWORD', password: 'secret' } });
      expect(c.errors![0].extensions!.requiredTier).toBe('PRO');
      expect(await channelRows()).toBe(before);
    });

    it('lets PRO create both kinds', async () => {
      await expect(pro.createChannel('PRIVATE')).resolves.toEqual(expect.any(String));
      await expect(pro.createChannel('PASSWORD', uniqueId('pw'), 'open sesame')).resolves.toEqual(expect.any(String));
    });

    it('keeps a channel usable by its owner after the pass ends, but creating another needs the tier again', async () => {
      const owner = await chat.user('lapsing');
      const pass = await server.app.services.passes.grant({ userId: owner.id, tier: Tier.PLUS, days: 1 });
      expect(pass.endsAt.getTime() - pass.startsAt.getTime()).toBe(DAY);
      const id = await owner.createChannel('PRIVATE');
      clock.advance(DAY);
      const me = await owner.gql('{ me { tier tierExpiresAt } }');
      expect(me.data!.me).toEqual({ tier: 'FREE', tierExpiresAt: null });
      expect(codesOf(await owner.send(id, 'still mine'))).toEqual([]);
      expect((await owner.gql(CHANNEL, { id })).data!.channel).toMatchObject({ canAccess: true, lastSeq: 2 });
      expect(codesOf(await owner.gql(CREATE, { input: { name: 'again', kind: 'PRIVATE' } }))).toEqual([
        'TIER_REQUIRED',
      ]);
    });
  });

  describe('bad input', () => {
    it.each([
      ['an empty name', { name: '', kind: 'PRIVATE' }, 'name'],
      ['a blank name', { name: '   ', kind: 'PRIVATE' }, 'name'],
      ['a 65-character name', { name: 'x'.repeat(65), kind: 'PRIVATE' }, 'name'],
      ['a name with a control character', { name: 'a\u0000b', kind: 'PRIVATE' }, 'name'],
      ['a name with a lone surrogate', { name: 'a\ud800b', kind: 'PRIVATE' }, 'name'],
      ['a PASSWORD channel without a password', { name: 'pw', kind: 'PASSWORD' }, 'password'],
      ['a PRIVATE channel with a password', { name: 'pv', kind: 'PRIVATE', password: 'secret' }, 'password'],
      ['a 3-character password', { name: 'pw', kind: 'PASSWORD', password: 'abc' }, 'password'],
      ['a 129-character password', { name: 'pw', kind: 'PASSWORD', password: 'p'.repeat(129) }, 'password'],
      ['a password with a lone surrogate', { name: 'pw', kind: 'PASSWORD', password: 'secret\udfff' }, 'password'],
    ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_what, input, field) => {
      const before = await channelRows();
      const res = await pro.gql(CREATE, { input: input as CreateChannelInput });
      expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors![0].extensions!.field).toBe(field);
      expect(await channelRows()).toBe(before);
    });

    it('accepts names of exactly 1 and 64 characters, and passwords of 4 and 128', async () => {
      const one = await pro.gql(CREATE, { input: { name: 'a', kind: 'PRIVATE' } });
      expect(one.data!.createChannel.name).toBe('a');
      const long = await pro.gql(CREATE, {
        input: { name: 'é'.repeat(64), kind: 'PASSWORD', password: 'p'.repeat(128) },
      });
      expect(long.data!.createChannel.name).toBe('é'.repeat(64));
      expect(codesOf(await pro.gql(CREATE, { input: { name: 'b', kind: 'PASSWORD', password: 'four' } }))).toEqual([]);
    });
  });

  describe('PRIVATE channels', () => {
    it('are invisible to others: not listed, null by id, NOT_FOUND to join, send, read or leave', async () => {
      const id = await plus.createChannel('PRIVATE');
      const other = free;
      expect((await other.gql(CHANNELS)).data!.channels.map((c: any) => c.id)).not.toContain(id);
      expect((await other.gql(CHANNEL, { id })).data!.channel).toBeNull();
      expect(codesOf(await other.gql(JOIN, { id }))).toEqual(['NOT_FOUND']);
      expect(codesOf(await other.gql(LEAVE, { id }))).toEqual(['NOT_FOUND']);
      expect(codesOf(await other.send(id, 'let me in'))).toEqual(['NOT_FOUND']);
      expect(codesOf(await other.history(id))).toEqual(['NOT_FOUND']);
      expect(await count(server, 'messages', 'channel_id = ? and kind = ?', [id, 'USER'])).toBe(0);
    });

    it('are listed to their owner', async () => {
      const id = await plus.createChannel('PRIVATE');
      expect((await plus.gql(CHANNELS)).data!.channels.map((c: any) => c.id)).toContain(id);
    });
  });

  describe('PASSWORD channels', () => {
    let id: string;
    const password = 'correct horse';
    beforeAll(async () => {
      id = await pro.createChannel('PASSWORD', uniqueId('club'), password);
    });

    it('store the password only as an argon2id hash and never return it', async () => {
      const [row] = await rows<{ password_hash: string }>(server, 'select password_hash from channels where id = ?', [
        id,
      ]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(password);
      const listed = JSON.stringify((await pro.gql(CHANNELS)).data);
      expect(listed).not.toContain(password);
      expect(listed).not.toContain('argon2');
    });

    it('make the owner a member from the start', async () => {
      expect((await pro.gql(CHANNEL, { id })).data!.channel!.canAccess).toBe(true);
    });

    it('are listed to everyone, but give non-members no access, no lastSeq and FORBIDDEN to read or send', async () => {
      const outsider = await chat.user('outsider');
      const listed = (await outsider.gql(CHANNELS)).data!.channels.find((c: any) => c.id === id);
      expect(listed).toMatchObject({ kind: 'PASSWORD', canAccess: false, lastSeq: 0 });
      expect((await outsider.gql(CHANNEL, { id })).data!.channel).toMatchObject({ canAccess: false, lastSeq: 0 });
      expect(codesOf(await outsider.send(id, 'hi'))).toEqual(['FORBIDDEN']);
      expect(codesOf(await outsider.history(id))).toEqual(['FORBIDDEN']);
      const nested = await outsider.gql(
        `query ($id: ID!) { channel(id: $id) { messages(last: 5) { edges { node { body } } } } }`,
        { id },
      );
      expect(codesOf(nested)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(nested.data)).not.toContain('created');
    });

    it('refuse a join without password (BAD_USER_INPUT) or with a wrong one (WRONG_PASSWORD), adding no member', async () => {
      const joiner = await chat.user('joiner');
      const none = await joiner.gql(JOIN, { id });
      expect(codesOf(none)).toEqual(['BAD_USER_INPUT']);
      expect(none.errors![0].extensions!.field).toBe('password');
      expect(codesOf(await joiner.gql(JOIN, { id, password: 'wrong horse' }))).toEqual(['WRONG_PASSWORD']);
      expect(await count(server, 'memberships', 'channel_id = ? and user_id = ?', [id, joiner.id])).toBe(0);
    });

    it('admit with the right password, with a MEMBER_JOINED message; joining again is harmless', async () => {
      const joiner = await chat.user('member');
      const before = (await pro.gql(CHANNEL, { id })).data!.channel!.lastSeq;
      const joined = await joiner.gql(JOIN, { id, password });
      expect(joined.data!.joinChannel).toMatchObject({ id, canAccess: true, lastSeq: before + 1 });
      const again = await joiner.gql(JOIN, { id });
      expect(again.data!.joinChannel).toMatchObject({ canAccess: true, lastSeq: before + 1 });
      const last = (await joiner.history(id, { last: 1 })).data!.messages.edges[0].node;
      expect(last).toMatchObject({
        seq: before + 1,
        kind: 'SYSTEM',
        systemEvent: 'MEMBER_JOINED',
        sender: null,
        clientMessageId: null,
      });
      expect(codesOf(await joiner.send(id, 'glad to be here'))).toEqual([]);
    });

    it('let a member leave, with a MEMBER_LEFT message; then the password is needed again', async () => {
      const member = await chat.user('leaver');
      await member.gql(JOIN, { id, password });
      expect((await member.gql(LEAVE, { id })).data!.leaveChannel).toBe(true);
      expect((await member.gql(LEAVE, { id })).data!.leaveChannel).toBe(false);
      const last = (await pro.history(id, { last: 1 })).data!.messages.edges[0].node;
      expect(last).toMatchObject({ kind: 'SYSTEM', systemEvent: 'MEMBER_LEFT' });
      expect(codesOf(await member.send(id, 'still here?'))).toEqual(['FORBIDDEN']);
      expect((await member.gql(CHANNEL, { id })).data!.channel).toMatchObject({ canAccess: false, lastSeq: 0 });
    });

    it('throttle wrong passwords: after 10 in 15 minutes even the right one is RATE_LIMITED, until the window passes', async () => {
      const guesser = await chat.user('guesser');
      for (let i = 0; i < 10; i++) {
        expect(codesOf(await guesser.gql(JOIN, { id, password: `guess-${i}` }))).toEqual(['WRONG_PASSWORD']);
      }
      const limited = await guesser.gql(JOIN, { id, password });
      expect(codesOf(limited)).toEqual(['RATE_LIMITED']);
      expect(limited.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
      expect(limited.errors![0].extensions!.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
      expect(await count(server, 'memberships', 'channel_id = ? and user_id = ?', [id, guesser.id])).toBe(0);
      // Another user is not held back by this one's tries.
      const other = await chat.user('other');
      expect(codesOf(await other.gql(JOIN, { id, password }))).toEqual([]);
      clock.advance(15 * 60_000);
      expect(codesOf(await guesser.gql(JOIN, { id, password }))).toEqual([]);
    });

    it('count concurrent wrong tries against the limit too', async () => {
      const guesser = await chat.user('burst');
      const results = await Promise.all(
        Array.from({ length: 14 }, (_, i) => guesser.gql(JOIN, { id, password: `burst-${i}` })),
      );
      const codes = results.map((r) => codesOf(r)[0]);
      expect(codes.filter((c) => c === 'WRONG_PASSWORD')).toHaveLength(10);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(4);
    });
  });

  it.each([
    ['an unknown', 'no-such-channel'],
    ['an empty', ''],
    ['a 5000-character', 'x'.repeat(5000)],
    ['an SQL-looking', "' or 1=1 --"],
    ['a NUL', '\u0000'],
    ['a NUL-carrying', 'general\u0000'],
    ['an emoji', '💬'],
    ["an upper-cased DEFAULT channel's", defaultChannelId('general').toUpperCase()],
  ])('answers %s channel id with NOT_FOUND', async (_kind, id) => {
    const lookup = await free.gql(CHANNEL, { id });
    expect(lookup.errors).toBeUndefined();
    expect(lookup.data!.channel).toBeNull();
    expect(codesOf(await free.gql(JOIN, { id }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await free.gql(LEAVE, { id }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await free.send(id, 'anyone?'))).toEqual(['NOT_FOUND']);
    expect(codesOf(await free.history(id))).toEqual(['NOT_FOUND']);
  });

  it('needs a session for every channel operation', async () => {
    const anonymous = new TestUser(server, '', '', '');
    for (const [query, variables] of [
      [CHANNELS, {}],
      [CHANNEL, { id: defaultChannelId('general') }],
      [CREATE, { input: { name: 'x', kind: 'PRIVATE' } }],
      [JOIN, { id: defaultChannelId('general') }],
      [LEAVE, { id: defaultChannelId('general') }],
    ] as const) {
      expect(codesOf(await anonymous.gql(query.toString(), variables))).toEqual(['UNAUTHENTICATED']);
    }
  });
});
