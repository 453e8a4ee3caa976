import { connect as tcpConnect } from 'node:net';
import WebSocket from 'ws';
import { defaultChannelId } from '../../src/services/channel.service';
import { CHANNEL, type TestUser } from '../support/chat';
import { createServer, request, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '../support/eventually';
import { codesOf, wsClient, wsQuery } from '../support/graphql';
import { LiveSubscription } from '../support/live';
import { eachProfile, type Profile } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

/** What one address, one user and one socket may hold open: each limit is refused with a code, past its value. */
describe.each(eachProfile)('connection and subscription limits (%s)', (_name, profile) => {
  let server: TestServer;
  const general = defaultChannelId('general');

  const chat = useChatServer(profile, {
    env: { MAX_OPERATIONS_PER_SOCKET: '3', MAX_SUBSCRIPTIONS_PER_USER: '5', MAX_SOCKETS_PER_USER: '3' },
  });
  beforeAll(() => {
    server = chat.server;
  });

  /** `n` subscriptions of `user` on one socket of its own; resolves once each is either live or refused. */
  const subscriptions = async (user: TestUser, n: number) => {
    const lastSeq = (await user.gql(CHANNEL, { id: general })).data!.channel!.lastSeq;
    const { client } = wsClient(server.url, { authToken: user.token });
    // From the newest seq before the probe: each gets the probe however late its subscription is taken.
    const live = Array.from({ length: n }, () => new LiveSubscription(client, general, lastSeq));
    const probe = (await user.send(general, 'probe')).data!.sendMessage;
    await Promise.all(
      live.map((l) => l.waitFor(() => l.ended || l.messages.some((m) => m.id === probe.id), 'an answer')),
    );
    return { client, live, refused: live.filter((l) => l.ended) };
  };

  it('refuses operations past MAX_OPERATIONS_PER_SOCKET on one socket, and takes them again once one ends', async () => {
    const user = await chat.user('per-socket');
    const { client, live, refused } = await subscriptions(user, 4);
    try {
      expect(refused).toHaveLength(1);
      expect(refused[0].errors![0]).toMatchObject({
        message: expect.stringMatching(/At most 3 operations/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      await live.find((l) => !l.ended)!.close();
      const lastSeq = (await user.gql(CHANNEL, { id: general })).data!.channel!.lastSeq;
      const again = new LiveSubscription(client, general, lastSeq);
      const sent = (await user.send(general, 'room again')).data!.sendMessage;
      await again.waitFor(() => again.messages.some((m) => m.id === sent.id), 'the new subscription');
    } finally {
      await client.dispose();
    }
  });

  it('refuses subscriptions past MAX_SUBSCRIPTIONS_PER_USER over all their sockets', async () => {
    const user = await chat.user('per-user');
    const first = await subscriptions(user, 3);
    const second = await subscriptions(user, 3);
    try {
      expect(first.refused).toHaveLength(0);
      expect(second.refused).toHaveLength(1);
      expect(second.refused[0].errors![0]).toMatchObject({
        message: expect.stringMatching(/At most 5 subscriptions per user/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      // Another user is not affected.
      const other = await chat.user('other');
      const theirs = await subscriptions(other, 1);
      expect(theirs.refused).toHaveLength(0);
      await theirs.client.dispose();
    } finally {
      await first.client.dispose();
      await second.client.dispose();
    }
  });

  it('counts messageChanged subscriptions against the same MAX_SUBSCRIPTIONS_PER_USER as messageAdded', async () => {
    const user = await chat.user('per-user-changes');
    const added = await subscriptions(user, 3);
    const lastRev = (await user.gql(CHANNEL, { id: general })).data!.channel!.lastRev;
    const { client } = wsClient(server.url, { authToken: user.token });
    // From the newest rev before the probe: each gets the probe's edit however late its subscription is taken.
    const changes = Array.from({ length: 3 }, () => new LiveSubscription(client, general, lastRev, false, 'changes'));
    try {
      const probe = (await user.send(general, 'probe to edit')).data!.sendMessage;
      expect(codesOf(await user.edit(probe.id, 'probe, edited'))).toEqual([]);
      await Promise.all(
        changes.map((l) => l.waitFor(() => l.ended || l.messages.some((c) => c.message.id === probe.id), 'an answer')),
      );
      const refused = changes.filter((l) => l.ended);
      expect(refused).toHaveLength(1);
      expect(refused[0].errors![0]).toMatchObject({
        message: expect.stringMatching(/At most 5 subscriptions per user/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    } finally {
      await client.dispose();
      await added.client.dispose();
    }
  });

  it('closes a socket past MAX_SOCKETS_PER_USER with 4429', async () => {
    const user = await chat.user('sockets');
    const held = await Promise.all([1, 2, 3].map(() => subscriptions(user, 1)));
    const extra = wsClient(server.url, { authToken: user.token });
    try {
      expect(await extra.closed).toBe(4429);
    } finally {
      for (const h of held) await h.client.dispose();
      await extra.client.dispose();
    }
  });

  it('refuses WebSockets (and embedded-broker connections) past MAX_SOCKETS_PER_ADDRESS with 429', async () => {
    // A server of its own: every socket of this file comes from the same address.
    const crowded = await startTestServer(profile, { env: { MAX_SOCKETS_PER_ADDRESS: '8' } });
    const url = `${crowded.url.replace('http', 'ws')}/graphql`;
    const open = (): Promise<WebSocket | number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(url, 'graphql-transport-ws');
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('error', () => undefined);
      });
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const socket = await open();
        expect(socket).toBeInstanceOf(WebSocket);
        sockets.push(socket as WebSocket);
      }
      expect(await open()).toBe(429);
      if (crowded.app.broker.embedded) {
        // The embedded broker's TCP port counts in the same quota: it hangs up at once.
        const closed = await new Promise<boolean>((resolve) => {
          const socket = tcpConnect(crowded.app.broker.embedded!.port, '127.0.0.1');
          socket.once('close', () => resolve(true));
          socket.once('error', () => undefined);
        });
        expect(closed).toBe(true);
      }
      // A place frees when a socket closes.
      const closing = new Promise((resolve) => sockets[0].once('close', resolve));
      sockets.shift()!.close();
      await closing;
      const again = await open();
      expect(again).toBeInstanceOf(WebSocket);
      sockets.push(again as WebSocket);
    } finally {
      for (const socket of sockets) socket.terminate();
      await crowded.stop();
    }
  });
});

/**
 * A suite's chat server whose payment provider keeps every checkout waiting until the test releases it: what holds
 * an operation in progress. `waiting` holds a release per request the provider has; what is still waiting is
 * released before the server drains (hooks run in the order they are registered), the provider closed after it.
 */
function useStalledCheckouts(profile: Profile, env: Record<string, string>) {
  const waiting: (() => void)[] = [];
  const provider = createServer((_req, res) =>
    waiting.push(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'cs_test_1', object: 'checkout.session', url: 'https://checkout.stripe.com/x' }));
    }),
  );
  beforeAll(() => new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    for (const release of waiting.splice(0)) release();
  });
  const chat = useChatServer(profile, () => ({
    env: {
      ...env,
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_API_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}`,
    },
  }));
  afterAll(() => new Promise((resolve) => provider.close(resolve)));
  return { chat, waiting };
}

describe.each(eachProfile)('operations in progress on one socket, pipelined (%s)', (_name, profile) => {
  const { chat, waiting } = useStalledCheckouts(profile, {
    MAX_OPERATIONS_PER_SOCKET: '3',
    MAX_OPERATIONS_PER_USER: '100',
  });
  let server: TestServer;
  beforeAll(() => {
    server = chat.server;
  });

  it('counts an operation the client completes at once until it has run: pipelining Subscribe and Complete gains nothing', async () => {
    const user = await chat.user('pipeliner');
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const frames: { id?: string; type: string }[] = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: user.token } }));
    await eventually(() => frames.some((f) => f.type === 'connection_ack'), 'connection_ack');
    try {
      const start = 'mutation { startCheckout(planId: "PLUS_30D") { id } }';
      for (let i = 0; i < 20; i++) {
        socket.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query: start } }));
        socket.send(JSON.stringify({ id: `s${i}`, type: 'complete' }));
      }
      // Three checkouts are under way (they wait for the provider); every other one was refused on arrival.
      await eventually(() => waiting.length >= 3, 'three checkouts to reach the provider');
      const probe = { id: 'probe', type: 'subscribe', payload: { query: '{ me { id } }' } };
      socket.send(JSON.stringify(probe));
      await eventually(() => frames.some((f) => f.id === 'probe'), 'the probe to be answered');
      expect(frames.find((f) => f.id === 'probe')).toMatchObject({ type: 'error' });
      expect(waiting).toHaveLength(3);
    } finally {
      for (const release of waiting.splice(0)) release();
      socket.terminate();
    }
  });
});

describe.each(eachProfile)('operations in progress per user (%s)', (_name, profile) => {
  const { chat, waiting } = useStalledCheckouts(profile, { MAX_OPERATIONS_PER_USER: '2' });
  let server: TestServer;
  beforeAll(() => {
    server = chat.server;
  });

  it('refuses a query or mutation past MAX_OPERATIONS_PER_USER, over HTTP and graphql-ws, with RATE_LIMITED', async () => {
    const user = await chat.user('busy');
    const start = 'mutation { startCheckout(planId: "PLUS_30D") { id } }';
    // Two checkouts wait for the provider: they hold the user's two places while they do.
    const held = [user.gql(start), user.gql(start)];
    await eventually(() => waiting.length === 2, 'two checkouts waiting for the provider');
    const third = await user.gql('{ me { id } }');
    expect(codesOf(third)).toEqual(['RATE_LIMITED']);
    expect(third.status).toBe(429);
    expect(third.errors![0].extensions).toMatchObject({ retryAfterSeconds: 1 });
    const { client } = wsClient(server.url, { authToken: user.token });
    try {
      const overSocket = await wsQuery(client, '{ me { id } }').then(
        codesOf,
        (errors: { extensions?: { code?: string } }[]) => errors.map((e) => e.extensions?.code),
      );
      expect(overSocket).toEqual(['RATE_LIMITED']);
      // Another user is not affected.
      const other = await chat.user('idle');
      expect(codesOf(await other.gql('{ me { id } }'))).toEqual([]);
    } finally {
      await client.dispose();
      for (const release of waiting.splice(0)) release();
    }
    expect((await Promise.all(held)).map(codesOf)).toEqual([[], []]);
    // The places are given back: the user is served again.
    expect(codesOf(await user.gql('{ me { id } }'))).toEqual([]);
  });
});

describe.each(eachProfile)('HTTP requests in progress per address (%s)', (_name, profile) => {
  let server: TestServer;
  const chat = useChatServer(profile, { env: { MAX_REQUESTS_PER_ADDRESS: '3' } });
  beforeAll(() => {
    server = chat.server;
  });

  /** A POST that sends its headers and half its body, then waits: a request in progress until it is destroyed. */
  const trickle = () =>
    new Promise<ClientRequest>((resolve) => {
      const req = request(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '100' },
      });
      req.on('error', () => undefined);
      req.write('{"query": "{ me', () => resolve(req));
    });

  it('answers 429 in JSON past MAX_REQUESTS_PER_ADDRESS, and serves again when one ends', async () => {
    const slow = [await trickle(), await trickle(), await trickle()];
    try {
      let refused: Response | undefined;
      await eventually(async () => {
        refused = await fetch(`${server.url}/healthz`);
        return refused.status === 429;
      }, 'a fourth request to be refused');
      expect(await refused!.json()).toEqual({ error: expect.stringMatching(/At most 3 requests/) });
    } finally {
      slow.shift()!.destroy();
    }
    await eventually(async () => (await fetch(`${server.url}/healthz`)).status === 200, 'a place to free');
    for (const req of slow) req.destroy();
  });
});
