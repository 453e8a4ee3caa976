import { Tier } from '../../src/entities';
import { ChannelPasswords } from '../../src/services/channel-passwords';
import { ChannelService, type ChannelCaps } from '../../src/services/channel.service';
import { CREATE, JOIN, type TestUser } from '../support/chat';
import { count } from '../support/db';
import { codesOf } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describe.each(eachProfile)('what one user may hold of channels (%s)', (_name, profile) => {
  let server: TestServer;

  const chat = useChatServer(profile, {
    env: {
      MAX_CHANNELS_PER_USER: '3',
      MAX_MEMBERSHIPS_PER_USER: '2',
      // Creations of one user at once, on purpose: the per-user quota of operations is not what is tested here.
      MAX_OPERATIONS_PER_USER: '100',
    },
  });
  beforeAll(async () => {
    server = chat.server;
  });

  const create = (user: TestUser, kind: 'PRIVATE' | 'PASSWORD', name = 'room') =>
    user.gql(CREATE, { input: { name, kind, password: kind === 'PASSWORD' ? 'secret12' : undefined } });

  it('refuses a channel past MAX_CHANNELS_PER_USER with FORBIDDEN and the limit, even when asked for at once', async () => {
    const user = await chat.user('owner', Tier.PLUS);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => create(user, 'PRIVATE', `r${i}`)));
    expect(answers.filter((a) => codesOf(a).length === 0)).toHaveLength(3);
    const refused = answers.filter((a) => codesOf(a)[0] === 'FORBIDDEN');
    expect(refused).toHaveLength(3);
    expect(refused[0].errors![0].extensions).toMatchObject({ limit: 3 });
    expect(await count(server, 'channels', 'owner_id = ?', [user.id])).toBe(3);
  });

  it('refuses a membership past MAX_MEMBERSHIPS_PER_USER, on creating and on joining', async () => {
    const owner = await chat.user('pro', Tier.PRO);
    const rooms = [];
    for (const name of ['a', 'b']) rooms.push((await create(owner, 'PASSWORD', name)).data!.createChannel.id);
    // Two PASSWORD channels own: a third would be a third membership; a PRIVATE one is not.
    expect(codesOf(await create(owner, 'PASSWORD', 'c'))).toEqual(['FORBIDDEN']);
    expect(codesOf(await create(owner, 'PRIVATE', 'd'))).toEqual([]);
    const other = await chat.user('other', Tier.PRO);
    rooms.push((await create(other, 'PASSWORD', 'e')).data!.createChannel.id);
    const joiner = await chat.user('joiner');
    expect(codesOf(await joiner.gql(JOIN, { id: rooms[0], password: 'secret12' }))).toEqual([]);
    expect(codesOf(await joiner.gql(JOIN, { id: rooms[1], password: 'secret12' }))).toEqual([]);
    const third = await joiner.gql(JOIN, { id: rooms[2], password: 'secret12' });
    expect(codesOf(third)).toEqual(['FORBIDDEN']);
    expect(third.errors![0].extensions).toMatchObject({ limit: 2 });
    expect(await count(server, 'memberships', 'user_id = ?', [joiner.id])).toBe(2);
  });

  /** The suite server's channel rules with other caps and another password hasher, telling nobody of changes. */
  const channelService = (caps: ChannelCaps, passwords: ChannelPasswords) =>
    new ChannelService(
      server.app.orm,
      server.app.services.passes,
      () => new Date(),
      () => undefined,
      () => undefined,
      caps,
      passwords,
    );

  it('checks the tier before hashing a password: a FREE user costs the server no argon2', async () => {
    let hashed = 0;
    const counting = new (class extends ChannelPasswords {
      override hash(password: string) {
        hashed += 1;
        return super.hash(password);
      }
    })();
    const { services } = server.app;
    const channels = channelService({ owned: 3, memberships: 2 }, counting);
    const free = await chat.user('free');
    const viewer = (await services.auth.authenticate(free.token))!;
    await expect(
      channels.create(viewer, { name: 'x', kind: 'PASSWORD' as never, password: 'p'.repeat(128) }),
    ).rejects.toMatchObject({
      code: 'TIER_REQUIRED',
    });
    expect(hashed).toBe(0);
    const pro = await chat.user('pro-hash', Tier.PRO);
    await channels.create((await services.auth.authenticate(pro.token))!, {
      name: 'y',
      kind: 'PASSWORD' as never,
      password: 'secret12',
    });
    expect(hashed).toBe(1);
  });

  it("counts a try only when the password is wrong: a busy server's refusal leaves the user's tries whole", async () => {
    const { services } = server.app;
    // A hasher that takes one password at a time and keeps none waiting: every join but one is turned away busy.
    const channels = channelService({ owned: 3, memberships: 100 }, new ChannelPasswords(1, 0));
    const owner = await chat.user('busy-owner', Tier.PRO);
    const room = (await create(owner, 'PASSWORD', 'busy')).data!.createChannel.id;
    const joiner = await chat.user('busy-joiner');
    const viewer = (await services.auth.authenticate(joiner.token))!;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => channels.join(viewer, room, 'secret12')),
    );
    const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'OK' : (o.reason as { code: string }).code));
    expect(codes).toContain('OK');
    expect(codes.filter((c) => c !== 'OK').every((c) => c === 'RATE_LIMITED')).toBe(true);
    expect(await count(server, 'channel_password_failures', 'user_id = ?', [joiner.id])).toBe(0);
  });
});

describe('ChannelPasswords', () => {
  it('hashes at most its concurrency at once, and refuses with RATE_LIMITED past its queue', async () => {
    const passwords = new ChannelPasswords(1, 2);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => passwords.hash('secret12')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.map((o) => (o.reason as { code: string }).code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    const hash = (outcomes[0] as PromiseFulfilledResult<string>).value;
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await passwords.verify(hash, 'secret12')).toBe(true);
    expect(await passwords.verify(hash, 'x'.repeat(2000))).toBe(false);
  });
});
