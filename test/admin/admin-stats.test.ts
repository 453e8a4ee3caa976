import { AdminStats, BanUser, RecentMessages, SearchUsers } from '../../client/operations';
import { Tier } from '../../src/entities';
import { STATS_RULES } from '../../src/services/admin-stats.service';
import { defaultChannelId } from '../../src/services/channel.service';
import { JOIN, type TestUser } from '../support/chat';
import { signedInUser, useChatServer } from '../support/chat-server';
import { DAY, HOUR, MINUTE, TestClock } from '../support/clock';
import { count } from '../support/db';
import { codesOf } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { eachProfile } from '../support/profiles';

const ADMIN = 'stats-admin@example.com';
const dayOf = (t: Date) => t.toISOString().slice(0, 10);

describe.each(eachProfile)('the operations page (%s)', (_name, profile) => {
  const clock = new TestClock();
  const chat = useChatServer(profile, {
    clock,
    env: { ADMIN_EMAILS: ADMIN, DEFAULT_CHANNELS: 'general', MAX_OPERATIONS_PER_USER: '100' },
  });
  const general = defaultChannelId('general');
  let admin: TestUser;
  beforeAll(async () => {
    admin = await signedInUser(chat.server, ADMIN);
  });
  const stats = async () => {
    const res = await admin.gql(AdminStats);
    expect(codesOf(res)).toEqual([]);
    return res.data!.adminStats;
  };
  const sendAll = async (user: TestUser, channelId: string, n: number) => {
    for (let i = 0; i < n; i++) expect(codesOf(await user.send(channelId, `message ${i}`))).toEqual([]);
  };

  it('counts messages by hour, day and channel, active users by day and passes sold, the same once hours roll up', async () => {
    const alice = await chat.user('stats-alice');
    const bob = await chat.user('stats-bob');
    const owner = await chat.user('stats-owner');
    // Three days ago, ten minutes into an hour.
    const start = Math.floor((Date.now() - 3 * DAY) / HOUR) * HOUR + 10 * MINUTE;
    clock.freeze();
    try {
      clock.advance(start - clock.now().getTime());
      const t0 = clock.now();
      // Granted without a checkout: a pass sold for nothing.
      await chat.server.app.services.passes.grant({ userId: owner.id, tier: Tier.PRO, days: 30 });
      const club = await owner.createChannel('PASSWORD', 'stats-club', 'secret12');
      await bob.gql(JOIN, { id: club, password: 'secret12' });
      await sendAll(alice, general, 2);
      await sendAll(bob, club, 1);
      clock.advance(2 * DAY + HOUR);
      const t1 = clock.now();
      await sendAll(alice, general, 1);
      clock.advance(DAY);
      const t2 = clock.now();
      const live = await LiveSubscription.from(bob, club);
      await sendAll(bob, club, 3);
      const plans = (await admin.gql('{ plans { id amount currency } }')).data!.plans as {
        id: string;
        amount: number;
        currency: string;
      }[];
      const plus = plans.find((p) => p.id === 'PLUS_30D')!;
      expect(
        await chat.server.app.services.checkout.fulfil({
          checkoutSessionId: 'cs_stats',
          userId: alice.id,
          planId: plus.id,
        }),
      ).toBe('fulfilled');
      try {
        await live.received(3); // the socket and its subscription are open
        const first = await stats();
        expect(first.messagesPerHour).toHaveLength(STATS_RULES.hours);
        expect(first.messagesPerHour.at(-1)).toEqual({
          hour: new Date(Math.floor(t2.getTime() / HOUR) * HOUR).toISOString(),
          count: 3,
        });
        expect(first.messagesPerHour.filter((h) => h.count > 0)).toEqual([
          { hour: new Date(Math.floor(t1.getTime() / HOUR) * HOUR).toISOString(), count: 1 },
          { hour: new Date(Math.floor(t2.getTime() / HOUR) * HOUR).toISOString(), count: 3 },
        ]);
        expect(first.messagesPerDay).toHaveLength(STATS_RULES.days);
        expect(first.messagesPerDay.at(-1)!.day).toBe(dayOf(t2));
        expect(first.messagesPerDay.filter((d) => d.count > 0)).toEqual([
          { day: dayOf(t0), count: 3 },
          { day: dayOf(t1), count: 1 },
          { day: dayOf(t2), count: 3 },
        ]);
        expect(first.busiestChannels).toEqual([
          { channelId: club, name: 'stats-club', kind: 'PASSWORD', messages: 4 },
          { channelId: general, name: 'general', kind: 'DEFAULT', messages: 3 },
        ]);
        // Who made a signed-in request on which day (the admin by asking).
        expect(first.dailyActiveUsers.filter((d) => d.count > 0)).toEqual([
          { day: dayOf(t0), count: 3 },
          { day: dayOf(t1), count: 1 },
          { day: dayOf(t2), count: 2 },
        ]);
        expect(first.passSales).toEqual([
          { day: dayOf(t0), tier: 'PRO', passes: 1, revenue: 0, currency: null },
          { day: dayOf(t2), tier: 'PLUS', passes: 1, revenue: plus.amount, currency: plus.currency },
        ]);
        expect(first).toMatchObject({ sockets: 1, subscriptions: 1 });
        // Three days' messages, all published long ago: a lag is what waits now, not their age.
        expect(first.relayLagSeconds).toBeLessThan(60);
        // Every closed hour of the window is a row now; the newest hour was counted live.
        const thisHour = Math.floor(t2.getTime() / HOUR);
        const firstHour = (Math.floor(thisHour / 24) - (STATS_RULES.days - 1)) * 24;
        expect(await count(chat.server, 'message_hours')).toBe(thisHour - firstHour);

        // The hour of t2 closes and is rolled up: the same counts, none twice.
        clock.advance(HOUR + STATS_RULES.graceMs);
        const later = await stats();
        expect(later.messagesPerHour.filter((h) => h.count > 0)).toEqual(
          first.messagesPerHour.filter((h) => h.count > 0),
        );
        expect(later.messagesPerDay.filter((d) => d.count > 0)).toEqual(
          first.messagesPerDay.filter((d) => d.count > 0 && d.day >= later.messagesPerDay[0].day),
        );
        expect(later.busiestChannels).toEqual(first.busiestChannels);
      } finally {
        await live.close();
      }
    } finally {
      clock.thaw();
    }
  });

  it('finds users by the start of their address, with their ban, and lists recent messages without deleted ones', async () => {
    const carol = await chat.user('stats-carol');
    const [said, unsaid] = [await carol.send(general, 'hello admins'), await carol.send(general, 'regretted')];
    await carol.delete(unsaid.data!.sendMessage.id);
    expect(codesOf(await admin.gql(SearchUsers, { email: 'st' }))).toEqual(['BAD_USER_INPUT']);
    // LIKE's wildcards and the escape character are matched as themselves.
    for (const email of ['%%%', '___', '!%_']) {
      expect((await admin.gql(SearchUsers, { email })).data!.searchUsers).toEqual([]);
    }
    const odd = await signedInUser(chat.server, `stats_odd!%-${Date.now()}@example.com`);
    expect((await admin.gql(SearchUsers, { email: 'stats_odd!%' })).data!.searchUsers.map((u) => u.id)).toEqual([
      odd.id,
    ]);
    const found = await admin.gql(SearchUsers, { email: carol.email.toUpperCase().slice(0, 12) });
    expect(found.data!.searchUsers.map((u) => u.email)).toContain(carol.email);
    await admin.gql(BanUser, { userId: carol.id, reason: 'testing bans' });
    const again = (await admin.gql(SearchUsers, { email: carol.email })).data!.searchUsers;
    expect(again).toEqual([
      expect.objectContaining({
        id: carol.id,
        email: carol.email,
        banned: true,
        bannedUntil: null,
        banReason: 'testing bans',
      }),
    ]);

    const recent = (await admin.gql(RecentMessages, { first: 5 })).data!.recentMessages;
    expect(recent[0]).toMatchObject({
      channelName: 'general',
      message: { id: said.data!.sendMessage.id, body: 'hello admins' },
    });
    expect(recent.map((r) => r.message.body)).not.toContain('regretted');
    expect(codesOf(await admin.gql(RecentMessages, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
  });

  // Last: a user's requests would count as active on today's date, which the test above counts.
  it('refuses every admin read to everyone else', async () => {
    const user = await chat.user('stats-nosy');
    expect(codesOf(await user.gql(AdminStats))).toEqual(['FORBIDDEN']);
    expect(codesOf(await user.gql(SearchUsers, { email: 'stats' }))).toEqual(['FORBIDDEN']);
    expect(codesOf(await user.gql(RecentMessages, {}))).toEqual(['FORBIDDEN']);
  });
});
