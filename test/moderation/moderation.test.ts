import { randomUUID } from 'node:crypto';
import {
  BanUser,
  ChangeChannelPassword,
  DeleteChannel,
  ModerationLog,
  RemoveMember,
  UnbanUser,
} from '../../client/operations';
import { Tier } from '../../src/entities';
import { PASSWORD_CHANGE_RULES } from '../../src/services/channel-moderation.service';
import { defaultChannelId } from '../../src/services/channel.service';
import { CHANNEL, JOIN, TestUser } from '../support/chat';
import { anotherSession, signedInUser, useChatServer } from '../support/chat-server';
import { DAY, HOUR, MINUTE, SECOND, TestClock } from '../support/clock';
import { codesOf, wsClient } from '../support/graphql';
import { count } from '../support/db';
import { LiveSubscription } from '../support/live';
import { eachProfile } from '../support/profiles';
import { REQUEST_CODE, VERIFY_CODE } from '../support/sign-in';
import { codeIn } from '../support/smtp-sink';
import { gql } from '../support/graphql';

const ADMIN = 'the-admin@example.com';
const ME = `{ me { id isAdmin } }`;

describe.each(eachProfile)('moderation (%s)', (_name, profile) => {
  const clock = new TestClock();
  const chat = useChatServer(profile, {
    clock,
    // A closed socket must be the ban's doing, not the periodic session check's.
    sessionCheckMs: 600_000,
    // One test sends an admin's operations at once on purpose: the per-user quota is not what it tests.
    env: {
      ADMIN_EMAILS: `someone-else@example.com, ${ADMIN.toUpperCase()}`,
      DEFAULT_CHANNELS: 'general',
      MAX_OPERATIONS_PER_USER: '100',
    },
  });
  const general = defaultChannelId('general');
  let admin: TestUser;
  beforeAll(async () => {
    admin = await signedInUser(chat.server, ADMIN);
  });

  const sent = async (user: TestUser, channelId: string, body: string) => {
    const res = await user.send(channelId, body);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!.sendMessage;
  };
  /** Signs `email` in through the mail, as a client does: the answer to verifyLoginCode. */
  const signInByMail = async (email: string) => {
    clock.advance(MINUTE + SECOND); // past the minute between two codes of one address
    const requested = await gql(chat.url, REQUEST_CODE, { email });
    expect(codesOf(requested)).toEqual([]);
    const code = codeIn(await chat.sink.nextMailTo(email));
    return gql(chat.url, VERIFY_CODE, { email, code });
  };
  const newestLog = async () => (await admin.gql(ModerationLog, { first: 1 })).data!.moderationLog.edges[0]?.node;

  it('names admins by ADMIN_EMAILS (any case) and refuses admin operations to everyone else, changing nothing', async () => {
    const user = await chat.user('not-admin');
    expect((await admin.gql(ME)).data!.me).toEqual({ id: admin.id, isAdmin: true });
    expect((await user.gql(ME)).data!.me).toEqual({ id: user.id, isAdmin: false });
    const victim = await chat.user('victim');
    expect(codesOf(await user.gql(BanUser, { userId: victim.id, reason: 'spam' }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await user.gql(UnbanUser, { userId: victim.id }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await user.gql(ModerationLog, {}))).toEqual(['FORBIDDEN']);
    expect(codesOf(await victim.gql(ME))).toEqual([]);
  });

  it('refuses a ban without a reason, ending in the past, of an admin or of nobody, and changes nothing', async () => {
    const victim = await chat.user('still-here');
    const before = await newestLog();
    for (const [variables, code] of [
      [{ userId: victim.id, reason: '   ' }, 'BAD_USER_INPUT'],
      [{ userId: victim.id, reason: 'x'.repeat(501) }, 'BAD_USER_INPUT'],
      [
        { userId: victim.id, reason: 'spam', until: new Date(clock.now().getTime() - 1000).toISOString() },
        'BAD_USER_INPUT',
      ],
      [{ userId: victim.id, reason: 'spam', until: '+010000-01-01T00:00:00.000Z' }, 'BAD_USER_INPUT'],
      [{ userId: admin.id, reason: 'oops' }, 'BAD_USER_INPUT'],
      [{ userId: '00000000-0000-4000-8000-000000000000', reason: 'spam' }, 'NOT_FOUND'],
      [{ userId: 'not an id', reason: 'spam' }, 'NOT_FOUND'],
    ] as const) {
      expect(codesOf(await admin.gql(BanUser, variables))).toEqual([code]);
    }
    expect((await victim.gql(ME)).data!.me.id).toBe(victim.id);
    expect(await newestLog()).toEqual(before);
  });

  it('ends every session of a banned user at once, refuses their sign-in until the ban ends, and keeps their messages', async () => {
    const email = `banned-${Date.now()}@example.com`;
    const signedIn = await signInByMail(email);
    const token = signedIn.data!.verifyLoginCode.token as string;
    const userId = signedIn.data!.verifyLoginCode.viewer.id as string;
    const banned = await anotherSession(chat.server, new TestUser(chat.server, token, userId, email));
    const message = await sent(banned, general, 'a message that stays');
    const { client, closed } = wsClient(chat.url, { authToken: token });
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));

    const until = new Date(clock.now().getTime() + DAY);
    const res = await admin.gql(BanUser, { userId, reason: 'spam in #general', until: until.toISOString() });
    expect(codesOf(res)).toEqual([]);
    expect(res.data!.banUser).toEqual({ id: userId, displayName: expect.any(String) });
    expect(await closed).toBe(4403);
    await client.dispose();
    for (const t of [token, banned.token]) {
      expect((await gql(chat.url, ME, {}, t)).data!.me).toBeNull();
      expect(codesOf(await gql(chat.url, '{ channels { id } }', {}, t))).toEqual(['UNAUTHENTICATED']);
    }

    const refused = await signInByMail(email);
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0].extensions).toMatchObject({ reason: 'BANNED', until: until.toISOString() });
    expect(
      (await admin.history(general, { last: 100 })).data!.messages.edges.some((e) => e.node.id === message.id),
    ).toBe(true);
    expect(await newestLog()).toMatchObject({
      action: 'BAN_USER',
      actor: { id: admin.id },
      targetUser: { id: userId },
      reason: 'spam in #general',
    });

    clock.advance(DAY + HOUR);
    expect(codesOf(await signInByMail(email))).toEqual([]);
  });

  it('lifts a ban without end on unbanUser, and records both in the moderation log', async () => {
    const user = await chat.signIn('unbanned');
    expect(codesOf(await admin.gql(BanUser, { userId: user.id, reason: 'for now' }))).toEqual([]);
    expect(codesOf(await signInByMail(user.email))).toEqual(['FORBIDDEN']);
    expect((await signInByMail(user.email)).errors![0].extensions).toMatchObject({ reason: 'BANNED', until: null });
    expect(codesOf(await admin.gql(UnbanUser, { userId: user.id }))).toEqual([]);
    expect(codesOf(await signInByMail(user.email))).toEqual([]);
    const log = (await admin.gql(ModerationLog, { first: 2 })).data!.moderationLog;
    expect(log.edges.map((e) => [e.node.action, e.node.targetUser?.id])).toEqual([
      ['UNBAN_USER', user.id],
      ['BAN_USER', user.id],
    ]);
    // Pages go on from the cursor, newest first.
    const next = (await admin.gql(ModerationLog, { first: 1, after: log.pageInfo.endCursor })).data!.moderationLog;
    expect(next.edges[0]?.node.id).not.toBe(log.edges[1].node.id);
    expect(codesOf(await admin.gql(ModerationLog, { first: 1, after: 'bm90IGEgY3Vyc29y' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('lets an admin delete any message and a channel owner the messages in their channel, and records both', async () => {
    const owner = await chat.user('mod-owner', Tier.PRO);
    const member = await chat.user('mod-member');
    const other = await chat.user('mod-other');
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    for (const user of [member, other]) await user.gql(JOIN, { id: room, password: 'secret12' });
    const inRoom = await sent(member, room, 'rude words');
    const inGeneral = await sent(member, general, 'rude words in general');

    // Neither another member, nor an owner outside their channel, may delete it.
    expect(codesOf(await other.delete(inRoom.id))).toEqual(['FORBIDDEN']);
    expect(codesOf(await owner.delete(inGeneral.id))).toEqual(['FORBIDDEN']);

    expect((await owner.delete(inRoom.id)).data!.deleteMessage).toMatchObject({ id: inRoom.id, body: '' });
    expect(await newestLog()).toMatchObject({
      action: 'DELETE_MESSAGE',
      actor: { id: owner.id },
      targetUser: { id: member.id },
      channelId: room,
      messageId: inRoom.id,
    });
    expect((await admin.delete(inGeneral.id)).data!.deleteMessage).toMatchObject({ id: inGeneral.id, body: '' });
    expect(await newestLog()).toMatchObject({
      action: 'DELETE_MESSAGE',
      actor: { id: admin.id },
      messageId: inGeneral.id,
    });
    // A sender deleting their own message is no moderation.
    const own = await sent(member, general, 'my own');
    const logged = await newestLog();
    await member.delete(own.id);
    expect(await newestLog()).toEqual(logged);
  });

  it("lets a PASSWORD channel's owner or an admin change its password: members stay, newcomers need the new one", async () => {
    const owner = await chat.user('pw-owner', Tier.PRO);
    const member = await chat.user('pw-member');
    const room = await owner.createChannel('PASSWORD', undefined, 'old-secret');
    await member.gql(JOIN, { id: room, password: 'old-secret' });
    const before = await newestLog();
    // Refused, changing nothing: a member who does not own it, a bad password, a channel without one, a hidden one.
    expect(codesOf(await member.gql(ChangeChannelPassword, { id: room, password: 'mine-now' }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await owner.gql(ChangeChannelPassword, { id: room, password: 'abc' }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await owner.gql(ChangeChannelPassword, { id: general, password: 'new-secret' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    const hidden = await owner.createChannel('PRIVATE');
    expect(codesOf(await member.gql(ChangeChannelPassword, { id: hidden, password: 'new-secret' }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(await newestLog()).toEqual(before);
    const newcomer = await chat.user('pw-newcomer');
    expect(codesOf(await newcomer.gql(JOIN, { id: room, password: 'old-secret' }))).toEqual([]);
    await newcomer.gql('mutation ($id: ID!) { leaveChannel(channelId: $id) }', { id: room });

    const changed = await owner.gql(ChangeChannelPassword, { id: room, password: 'new-secret' });
    expect(changed.data!.changeChannelPassword).toMatchObject({ id: room, canAccess: true });
    expect(await newestLog()).toMatchObject({
      action: 'CHANGE_CHANNEL_PASSWORD',
      actor: { id: owner.id },
      channelId: room,
    });
    expect(codesOf(await newcomer.gql(JOIN, { id: room, password: 'old-secret' }))).toEqual(['WRONG_PASSWORD']);
    expect(codesOf(await newcomer.gql(JOIN, { id: room, password: 'new-secret' }))).toEqual([]);
    // The member who joined before stays a member.
    expect(codesOf(await member.send(room, 'still here'))).toEqual([]);
    // An admin may change it too.
    expect(codesOf(await admin.gql(ChangeChannelPassword, { id: room, password: 'admin-set' }))).toEqual([]);
    expect(await newestLog()).toMatchObject({ action: 'CHANGE_CHANNEL_PASSWORD', actor: { id: admin.id } });
  });

  it('limits password changes to 10 an hour per user (RATE_LIMITED, nothing changed)', async () => {
    const owner = await chat.user('pw-often', Tier.PRO);
    const room = await owner.createChannel('PASSWORD', undefined, 'first-secret');
    clock.freeze();
    try {
      for (let i = 1; i <= PASSWORD_CHANGE_RULES.changesPerWindow; i++) {
        expect(codesOf(await owner.gql(ChangeChannelPassword, { id: room, password: `secret-${i}` }))).toEqual([]);
      }
      const refused = await owner.gql(ChangeChannelPassword, { id: room, password: 'one-too-many' });
      expect(codesOf(refused)).toEqual(['RATE_LIMITED']);
      const joiner = await chat.user('pw-joiner');
      expect(codesOf(await joiner.gql(JOIN, { id: room, password: 'one-too-many' }))).toEqual(['WRONG_PASSWORD']);
      clock.advance(PASSWORD_CHANGE_RULES.windowMs);
      expect(codesOf(await owner.gql(ChangeChannelPassword, { id: room, password: 'later-secret' }))).toEqual([]);
    } finally {
      clock.thaw();
    }
  });

  it("answers an admin's deletion and ban of the same user made at once, both", async () => {
    const users = await Promise.all([1, 2, 3, 4, 5].map((i) => chat.user(`at-once-${i}`)));
    const messages = await Promise.all(users.map((user) => sent(user, general, 'deleted and banned at once')));
    const answers = await Promise.all(
      users.flatMap((user, i) => [
        admin.delete(messages[i].id),
        admin.gql(BanUser, { userId: user.id, reason: 'spam' }),
      ]),
    );
    expect(answers.flatMap(codesOf)).toEqual([]);
  });

  it("lets a channel's owner or an admin delete it: everything in it goes, and its subscriptions end NOT_FOUND", async () => {
    const owner = await chat.user('del-owner', Tier.PRO);
    const member = await chat.user('del-member');
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    await member.gql(JOIN, { id: room, password: 'secret12' });
    const added = await LiveSubscription.from(member, room);
    const changed = await LiveSubscription.changes(member, room);
    try {
      // Both subscriptions are live before the deletion.
      const said = await sent(member, room, 'soon gone');
      await member.edit(said.id, 'soon gone, edited');
      await Promise.all([added.received(1), changed.received(1)]);

      // Refused, changing nothing: a member who does not own it, a DEFAULT channel, a channel hidden from the viewer.
      expect(codesOf(await member.gql(DeleteChannel, { id: room }))).toEqual(['FORBIDDEN']);
      expect(codesOf(await owner.gql(DeleteChannel, { id: general }))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await admin.gql(DeleteChannel, { id: general }))).toEqual(['BAD_USER_INPUT']);
      const hidden = await owner.createChannel('PRIVATE');
      expect(codesOf(await member.gql(DeleteChannel, { id: hidden }))).toEqual(['NOT_FOUND']);
      expect(await count(chat.server, 'messages', 'channel_id = ?', [room])).toBeGreaterThan(0);

      expect((await owner.gql(DeleteChannel, { id: room })).data!.deleteChannel).toBe(true);
      await Promise.all([added.end(), changed.end()]);
      expect(added.errors!.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      expect(changed.errors!.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      expect((await member.gql(CHANNEL, { id: room })).data!.channel).toBeNull();
      expect(codesOf(await member.history(room))).toEqual(['NOT_FOUND']);
      for (const table of ['messages', 'message_changes', 'memberships', 'read_positions']) {
        expect(await count(chat.server, table, 'channel_id = ?', [room])).toBe(0);
      }
      expect(await newestLog()).toMatchObject({ action: 'DELETE_CHANNEL', actor: { id: owner.id }, channelId: room });
      // An admin may delete anyone's channel, a hidden one included.
      expect((await admin.gql(DeleteChannel, { id: hidden })).data!.deleteChannel).toBe(true);
      expect(codesOf(await owner.history(hidden))).toEqual(['NOT_FOUND']);
    } finally {
      await Promise.all([added.close(), changed.close()]);
    }
  });

  it("lets a PASSWORD channel's owner or an admin remove a member, who may join again only once the password changes", async () => {
    const owner = await chat.user('rm-owner', Tier.PRO);
    const member = await chat.user('rm-member');
    const bystander = await chat.user('rm-bystander');
    const room = await owner.createChannel('PASSWORD', undefined, 'secret12');
    for (const user of [member, bystander]) await user.gql(JOIN, { id: room, password: 'secret12' });
    const added = await LiveSubscription.from(member, room);
    const changed = await LiveSubscription.changes(member, room);
    try {
      const before = await newestLog();
      // Refused, changing nothing: a member who does not own it, the owner themself, a channel without members, an
      // id that is no user's, a channel hidden from the viewer.
      expect(codesOf(await member.gql(RemoveMember, { channelId: room, userId: bystander.id }))).toEqual(['FORBIDDEN']);
      expect(codesOf(await owner.gql(RemoveMember, { channelId: room, userId: owner.id }))).toEqual(['BAD_USER_INPUT']);
      expect(codesOf(await admin.gql(RemoveMember, { channelId: general, userId: member.id }))).toEqual([
        'BAD_USER_INPUT',
      ]);
      expect(codesOf(await owner.gql(RemoveMember, { channelId: room, userId: 'nobody' }))).toEqual(['NOT_FOUND']);
      const hidden = await owner.createChannel('PRIVATE');
      expect(codesOf(await member.gql(RemoveMember, { channelId: hidden, userId: owner.id }))).toEqual(['NOT_FOUND']);
      expect(await newestLog()).toEqual(before);
      expect(codesOf(await member.send(room, 'still a member'))).toEqual([]);
      await added.received(1);

      const removed = await owner.gql(RemoveMember, { channelId: room, userId: member.id });
      expect(removed.data!.removeMember).toBe(true);
      await Promise.all([added.end(), changed.end()]);
      expect(added.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(changed.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(codesOf(await member.history(room))).toEqual(['FORBIDDEN']);
      const seen = (await bystander.history(room, { last: 1 })).data!.messages.edges.map((e) => e.node);
      expect(seen).toMatchObject([
        { kind: 'SYSTEM', systemEvent: 'MEMBER_REMOVED', body: expect.stringContaining('removed') },
      ]);
      expect(await newestLog()).toMatchObject({
        action: 'REMOVE_MEMBER',
        actor: { id: owner.id },
        targetUser: { id: member.id },
        channelId: room,
      });
      // Not a member any more and kept out already: nothing changes, nothing is recorded.
      const log = await newestLog();
      expect((await owner.gql(RemoveMember, { channelId: room, userId: member.id })).data!.removeMember).toBe(false);
      expect(await newestLog()).toEqual(log);
      // Leaving first does not escape a removal: the leaver is kept out all the same, and that is recorded.
      const leaver = await chat.user('rm-leaver');
      await leaver.gql(JOIN, { id: room, password: 'secret12' });
      await leaver.gql('mutation ($id: ID!) { leaveChannel(channelId: $id) }', { id: room });
      expect((await owner.gql(RemoveMember, { channelId: room, userId: leaver.id })).data!.removeMember).toBe(false);
      expect(await newestLog()).toMatchObject({ action: 'REMOVE_MEMBER', targetUser: { id: leaver.id } });
      const barred = await leaver.gql(JOIN, { id: room, password: 'secret12' });
      expect(barred.errors?.map((e) => e.extensions?.reason)).toEqual(['REMOVED']);
      expect(codesOf(await owner.gql(RemoveMember, { channelId: room, userId: randomUUID() }))).toEqual(['NOT_FOUND']);

      // The password they know no longer lets them in; the new one does.
      const again = await member.gql(JOIN, { id: room, password: 'secret12' });
      expect(again.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([['FORBIDDEN', 'REMOVED']]);
      expect(codesOf(await member.send(room, 'back?'))).toEqual(['FORBIDDEN']);
      await owner.gql(ChangeChannelPassword, { id: room, password: 'new-secret' });
      expect(codesOf(await member.gql(JOIN, { id: room, password: 'new-secret' }))).toEqual([]);
      expect(codesOf(await member.send(room, 'back again'))).toEqual([]);

      // An admin may remove a member of anyone's channel.
      expect((await admin.gql(RemoveMember, { channelId: room, userId: bystander.id })).data!.removeMember).toBe(true);
      expect(await newestLog()).toMatchObject({ action: 'REMOVE_MEMBER', actor: { id: admin.id } });
      expect(codesOf(await bystander.send(room, 'gone'))).toEqual(['FORBIDDEN']);
    } finally {
      await Promise.all([added.close(), changed.close()]);
    }
  });
});
