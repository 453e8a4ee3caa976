import { defaultChannelId } from '../../src/services/channel.service';
import { SECOND, TestClock } from '../support/clock';
import { codesOf } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';

// jest.config.js runs the suite nine hours from UTC: times are stored in UTC and must read back the same whatever
// the server's own zone.
describe.each(eachProfile)('a server nine hours from UTC (%s)', (_name, profile) => {
  const clock = new TestClock();
  const general = defaultChannelId('general');

  const chat = useChatServer(profile, { clock, env: { DEFAULT_CHANNELS: 'general' } });
  beforeAll(async () => {
    expect(new Date(2026, 0, 1).getTimezoneOffset()).toBe(-540); // the zone this file is about
  });

  it("answers a retried send with the first send's createdAt", async () => {
    const ana = await chat.user('ana');
    const first = await ana.send(general, 'hello', 'once');
    clock.advance(SECOND);
    const retried = await ana.send(general, 'hello', 'once');
    expect(codesOf(retried)).toEqual([]);
    expect(retried.data!.sendMessage).toEqual(first.data!.sendMessage);
    expect(Math.abs(Date.parse(first.data!.sendMessage.createdAt) - clock.now().getTime())).toBeLessThan(60 * SECOND);
  });

  it('tells a sender past the rate limit to wait the rest of the window, not hours', async () => {
    const bo = await chat.user('bo');
    for (let i = 0; i < 30; i++) expect(codesOf(await bo.send(general, `message ${i}`))).toEqual([]);
    clock.advance(4 * SECOND);
    const limited = await bo.send(general, 'one too many');
    expect(codesOf(limited)).toEqual(['RATE_LIMITED']);
    // The window of the first of the 30 sends ends 10 s after it: about 6 s from now (less if the sends were slow).
    const retryAfter = limited.errors![0].extensions!.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(6);
  });
});
