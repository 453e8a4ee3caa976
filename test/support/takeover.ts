import { defaultChannelId } from '../../src/services/channel.service';
import type { LeaverSuite } from './leavers';

/**
 * The test of one session's client id on whichever broker the suite runs: a second connection with the session's
 * credentials takes the first one's place and gets its persistent session, subscriptions and all.
 */
export function itLetsASecondConnectionTakeOver(suite: () => Pick<LeaverSuite, 'chat' | 'owner' | 'connect'>): void {
  it("lets a second connection with the session's credentials take the first one's place, and its persistent session", async () => {
    const { chat, owner, connect } = suite();
    const user = await chat.user('two-phones');
    const general = defaultChannelId('general');
    const first = await connect(user, { clean: false });
    await first.subscribeAsync(`${chat.server.topicPrefix}/channel/${general}`, { qos: 1 });
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await connect(user, { clean: false });
    try {
      await firstClosed;
      // No SUBSCRIBE on the second connection: the subscription is the persistent session's.
      const got = new Promise<string>((resolve) => second.once('message', (_t, p) => resolve(p.toString())));
      const sent = (await owner.send(general, 'to the session')).data!.sendMessage;
      expect(JSON.parse(await got).message.id).toBe(sent.id);
      expect(second.connected).toBe(true);
    } finally {
      await first.endAsync(true);
      await second.endAsync(true);
    }
  });
}
