import { wsClient } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { eachProfile } from '../support/profiles';
import { defaultChannelId } from '../../src/services/channel.service';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

describe.each(eachProfile)('graphql-ws while the database is unreachable (%s)', (_name, profile) => {
  let server: TestServer;

  const chat = useChatServer(profile);
  beforeAll(async () => {
    server = chat.server;
  });

  it('ends only the operation (INTERNAL_SERVER_ERROR) on an open socket, and answers a new one with 1013', async () => {
    const user = await chat.user('outage');
    // A session this instance has not served yet, so not in its session cache: it must ask the database.
    const newcomer = await chat.user('outage-newcomer');
    const { client, closed } = wsClient(server.url, { authToken: user.token });
    // From seq 0: its first message (the replayed CHANNEL_CREATED) shows the socket acknowledged and it live.
    const before = new LiveSubscription(client, defaultChannelId('general'), 0);
    await before.received(1);
    await server.app.orm.close(true);

    // The socket stays open: its other subscription goes on, and the new one gets an error of its own.
    const during = new LiveSubscription(client, defaultChannelId('general'));
    await during.end();
    expect(during.errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(during.errors)).not.toMatch(/pool|connection|sqlite|mysql|select/i);
    expect(before.ended).toBe(false);
    const stillOpen = await Promise.race([closed.then(() => false), new Promise((r) => setImmediate(() => r(true)))]);
    expect(stillOpen).toBe(true);

    // A token that cannot be checked now: 1013 Try Again Later (retried by clients), not 4403 or 4500.
    const fresh = wsClient(server.url, { authToken: newcomer.token });
    expect(await fresh.closed).toBe(1013);
    await before.close();
    await client.dispose();
  });
});
