import { Tier } from '../../src/entities';
import { DAY, TestClock } from '../support/clock';
import { type TestUser } from '../support/chat';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

const VIEWER = '{ me { tier tierExpiresAt passes { id tier startsAt endsAt createdAt } } }';

describe.each(eachProfile)('tiers from passes (%s)', (_name, profile) => {
  const clock = new TestClock();
  let server: TestServer;
  const grant = (user: TestUser, tier: Tier.PLUS | Tier.PRO, days: number) =>
    server.app.services.passes.grant({ userId: user.id, tier, days });

  const chat = useChatServer(profile, {
    clock,
    env: { SESSION_TTL_DAYS: '365' },
  });
  beforeAll(async () => {
    server = chat.server;
  });

  it('is FREE with no pass', async () => {
    const user = await chat.user('nopass');
    expect((await user.gql(VIEWER)).data!.me).toEqual({ tier: 'FREE', tierExpiresAt: null, passes: [] });
  });

  it('stacks a pass of a tier already held after the current one, and lists passes newest first', async () => {
    const user = await chat.user('stack');
    const first = await grant(user, Tier.PLUS, 30);
    clock.advance(1000);
    const second = await grant(user, Tier.PLUS, 30);
    expect(second.startsAt.getTime()).toBe(first.endsAt.getTime());
    expect(second.endsAt.getTime() - first.startsAt.getTime()).toBe(60 * DAY);
    const me = (await user.gql(VIEWER)).data!.me;
    expect(me.tier).toBe('PLUS');
    expect(me.tierExpiresAt).toBe(second.endsAt.toISOString());
    expect(me.passes.map((p: any) => p.id)).toEqual([second.id, first.id]);
  });

  it('takes the highest tier in force; a pass of another tier starts at once', async () => {
    const user = await chat.user('upgrade');
    const plus = await grant(user, Tier.PLUS, 30);
    clock.advance(DAY);
    const pro = await grant(user, Tier.PRO, 7);
    expect(pro.startsAt.getTime()).toBeLessThanOrEqual(clock.now().getTime());
    expect(pro.startsAt.getTime()).toBeGreaterThan(plus.startsAt.getTime());
    let me = (await user.gql(VIEWER)).data!.me;
    expect(me).toMatchObject({ tier: 'PRO', tierExpiresAt: pro.endsAt.toISOString() });
    clock.advance(7 * DAY);
    me = (await user.gql(VIEWER)).data!.me;
    expect(me).toMatchObject({ tier: 'PLUS', tierExpiresAt: plus.endsAt.toISOString() });
    clock.advance(22 * DAY);
    me = (await user.gql(VIEWER)).data!.me;
    expect(me).toMatchObject({ tier: 'FREE', tierExpiresAt: null });
    expect(me.passes).toHaveLength(2);
  });
});
