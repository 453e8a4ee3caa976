import { randomUUID } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import Database from 'libsql';
import { createConnection } from 'mysql2/promise';
import { createClient } from 'graphql-ws';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { defaultChannelId } from '../../src/services/channel.service';
import { uniqueEmail } from '../support/chat';
import { codesOf, gql, type GraphqlResponse } from '../support/graphql';
import { MESSAGE_ADDED } from '../support/live';
import { eventuallyPasses } from '../support/eventually';
import { freePort, TestMosquitto } from '../support/mosquitto';
import { describeReal, eachProfile, type Profile } from '../support/profiles';
import { ServerProcess } from '../support/server-process';
import { signIn } from '../support/sign-in';
import { SmtpSink } from '../support/smtp-sink';

/** What one client may move the server's resident memory by, whatever it sends (README, "Limits"). */
const BUDGET_BYTES = 50 * 1024 * 1024;
const ARCHIVE = defaultChannelId('archive');
const ARCHIVED = 1100;
const BODY = 'x'.repeat(4000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `count` 4 KB messages of `senderId` into a channel, straight into the database (as a busy history would be). */
async function seedArchive(databaseUrl: string, senderId: string, count: number): Promise<number> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => [randomUUID(), i + 2, `seed-${i}`]);
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(databaseUrl.slice('file:'.length));
    const insert = db.prepare(
      `insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at, published_at)
       values (?, ?, ?, 'USER', ?, ?, ?, ?, ?)`,
    );
    db.exec('BEGIN');
    for (const [id, seq, cid] of rows) insert.run(id, ARCHIVE, seq, BODY, senderId, cid, now, now);
    db.prepare('update channels set last_seq = ? where id = ?').run(count + 1, ARCHIVE);
    db.exec('COMMIT');
    db.close();
  } else {
    const db = await createConnection(databaseUrl);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200);
      await db.query(
        `insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at, published_at)
         values ${batch.map(() => "(?, ?, ?, 'USER', ?, ?, ?, ?, ?)").join(', ')}`,
        batch.flatMap(([id, seq, cid]) => [id, ARCHIVE, seq, BODY, senderId, cid, new Date(now), new Date(now)]),
      );
    }
    await db.query('update channels set last_seq = ? where id = ?', [count + 1, ARCHIVE]);
    await db.end();
  }
  return count + 1;
}

/** What an attack moved the server's resident memory by: what it holds (after a collection), and its peak. */
interface Growth {
  held: number;
  peak: number;
}

/** Prints a measurement beside the budget (the figures README's "Limits" quotes). */
const report = (who: string, profile: string, { held, peak }: Growth) =>
  process.stdout.write(
    `memory budget (${profile}): ${who} made the server hold ${mb(held)} MB more (budget ${mb(BUDGET_BYTES)}), ` +
      `${mb(peak)} MB at the peak, garbage included\n`,
  );
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * Runs `attack`, which leaves open whatever it opened, and measures the server's resident memory against where it
 * stood before: at its highest while the attack ran (sampled every 25 ms, garbage not yet collected included), and
 * after a full garbage collection with everything the attack opened still open (what the attacker makes the server
 * hold). Then `attack`'s own cleanup runs.
 */
async function measure(server: ServerProcess, attack: () => Promise<() => void>): Promise<Growth> {
  await server.collectGarbage();
  const baseline = server.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, server.rss())), 25);
  let cleanup: () => void = () => undefined;
  try {
    cleanup = await attack();
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, server.rss());
  await server.collectGarbage();
  const held = server.rss() - baseline;
  cleanup();
  return { held, peak: peak - baseline };
}

/** A graphql-ws socket that subscribes, then stops reading: whatever the server sends it piles up on the server. */
async function stalledSubscriber(server: ServerProcess, token: string, variables: Record<string, unknown>[]) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const acknowledged = new Promise<boolean>((resolve) => {
    socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()).type === 'connection_ack'));
    socket.once('close', () => resolve(false));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authToken: token } }));
  if (!(await acknowledged)) return socket;
  variables.forEach((v, i) =>
    socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: v } })),
  );
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  return socket;
}

describe.each(eachProfile)('memory budget: one client moves the server by at most 50 MB (%s)', (name, profile) => {
  const sink = new SmtpSink();
  let server: ServerProcess;
  let database: Awaited<ReturnType<Profile['createDatabase']>>;
  let embeddedPort: number | undefined;
  let lastSeq: number;
  let bystander: string;

  beforeAll(async () => {
    await sink.start();
    database = await profile.createDatabase();
    embeddedPort = profile.mqttUrl ? undefined : await freePort();
    server = new ServerProcess(
      await freePort(),
      {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        ...(profile.mqttUrl ? { MQTT_URL: profile.mqttUrl } : { MQTT_EMBEDDED_PORT: String(embeddedPort) }),
        MQTT_TOPIC_PREFIX: `budget${randomUUID().slice(0, 8)}`,
        SMTP_URL: sink.url,
        LOGIN_CODES_PER_ADDRESS_PER_HOUR: '10000',
        DEFAULT_CHANNELS: 'general,archive',
        WEB_APP: '0',
        LOG_LEVEL: 'info',
      },
      true,
    );
    await server.start();
    const seeder = await signIn(server.url, sink, uniqueEmail('seeder'));
    lastSeq = await seedArchive(database.url, seeder.userId, ARCHIVED);
    bystander = (await signIn(server.url, sink, uniqueEmail('bystander'))).token;
    // Warm-up: every path the attacks take, once, so that what is measured is what they hold, not code loading.
    const warm = await stalledSubscriber(server, bystander, [{ channelId: ARCHIVE, afterSeq: lastSeq - 20 }]);
    await gql(
      server.url,
      `{ messages(channelId: "${ARCHIVE}", last: 100) { edges { node { body } } } }`,
      {},
      bystander,
    );
    await pause(500);
    warm.terminate();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    await sink.stop();
  });

  /** What the server still does for everyone else: a send by another user is answered, /readyz says ready. */
  const stillServing = async () => {
    const sent = await gql(
      server.url,
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
      { input: { channelId: defaultChannelId('general'), body: 'still here', clientMessageId: randomUUID() } },
      bystander,
    );
    expect(codesOf(sent)).toEqual([]);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  };

  it('an anonymous client: huge MQTT packets, huge WebSocket frames, every socket it may open, oversized bodies', async () => {
    const sockets: WebSocket[] = [];
    const growth = await measure(server, async () => {
      const hangUps: Promise<void>[] = [];
      if (embeddedPort) {
        // Five CONNECTs that announce 256 MB each, streamed: the broker must hang up after the header.
        for (let i = 0; i < 5; i++) {
          hangUps.push(
            new Promise<void>((resolve) => {
              const socket = tcpConnect(embeddedPort!, '127.0.0.1');
              socket.on('error', () => undefined);
              socket.on('close', () => resolve());
              socket.on('connect', () => {
                socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
                const chunk = Buffer.alloc(64 * 1024);
                const more = () => {
                  while (!socket.destroyed && socket.write(chunk));
                };
                socket.on('drain', more);
                more();
              });
            }),
          );
        }
        // A 100 MB WebSocket message at /mqtt before any CONNECT.
        const mqttSocket = new WebSocket(`${server.url.replace('http', 'ws')}/mqtt`, 'mqtt');
        mqttSocket.on('error', () => undefined);
        await new Promise((resolve) => mqttSocket.once('open', resolve));
        hangUps.push(new Promise<void>((resolve) => mqttSocket.once('close', () => resolve())));
        mqttSocket.send(Buffer.alloc(100 * 1024 * 1024));
      }
      // Every graphql-ws socket one address may hold, each past connection_init without a token.
      for (let i = 0; i < 220; i++) {
        const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
        socket.on('error', () => undefined);
        const opened = await new Promise<boolean>((resolve) => {
          socket.once('open', () => resolve(true));
          socket.once('unexpected-response', () => resolve(false));
        });
        if (!opened) break;
        socket.send(JSON.stringify({ type: 'connection_init' }));
        sockets.push(socket);
      }
      expect(sockets.length).toBeLessThanOrEqual(200);
      // Bodies over the limit, many at once.
      const bodies = Array.from({ length: 40 }, () =>
        fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
        }).then(
          (r) => r.status,
          () => 0,
        ),
      );
      expect((await Promise.all(bodies)).every((status) => status === 413 || status === 429 || status === 0)).toBe(
        true,
      );
      await Promise.all(hangUps);
      await stillServing();
      return () => sockets.forEach((socket) => socket.terminate());
    });
    report('an anonymous client', name, growth);
    expect(server.running).toBe(true);
    expect(growth.held).toBeLessThan(BUDGET_BYTES);
  });

  it('a FREE user: every socket and subscription it may open, replaying 1,000 messages of 4 KB, never read', async () => {
    const { token } = await signIn(server.url, sink, uniqueEmail('stall'));
    const sockets: WebSocket[] = [];
    const growth = await measure(server, async () => {
      // 20 sockets (its limit) × 3 subscriptions, of which 50 are taken (its limit), each 1,000 messages behind.
      for (let i = 0; i < 22; i++) {
        sockets.push(
          await stalledSubscriber(
            server,
            token,
            [0, 1, 2].map(() => ({ channelId: ARCHIVE, afterSeq: lastSeq - 1000 })),
          ),
        );
      }
      // The server sends until the sockets' buffers are full, then waits on them.
      await pause(5000);
      await stillServing();
      return () => sockets.forEach((socket) => socket.terminate());
    });
    report('a FREE user', name, growth);
    expect(server.running).toBe(true);
    expect(growth.held).toBeLessThan(BUDGET_BYTES);
  });

  it('a PLUS user: every channel it may own, and history of 4 KB messages asked for as fast as it is allowed', async () => {
    const { token } = await signIn(server.url, sink, uniqueEmail('plus'));
    const post = <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) =>
      gql<T>(server.url, query, variables, token);
    // A PLUS pass through the development checkout (the same fulfilment as Stripe's webhook).
    const checkout = (await post('mutation { startCheckout(planId: "PLUS_30D") { url } }')).data!.startCheckout;
    const path = new URL(checkout.url as string).pathname;
    expect((await fetch(`${server.url}${path}/complete`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    for (let i = 0; ; i++) {
      const created = await post(
        'mutation ($name: String!) { createChannel(input: { name: $name, kind: PRIVATE }) { id } }',
        {
          name: `room ${i}`,
        },
      );
      if (codesOf(created).length) {
        expect(codesOf(created)).toEqual(['FORBIDDEN']);
        break;
      }
    }
    const aliases = (count: number, field: string) =>
      Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
    const page = `messages(channelId: "${ARCHIVE}", last: 100) { edges { node { body } } }`;
    const attacks = [
      // What a static cost missed: ten channel lists of 100-message pages through a variable (refused).
      [`query ($n: Int) { ${aliases(10, 'channels { messages(last: $n) { edges { node { body } } } }')} }`, { n: 100 }],
      // Ten pages of 100 messages of 4 KB (three are read, the fourth is past the operation's allowance).
      [`{ ${aliases(10, page)} }`, {}],
      // Three pages of 100 messages of 4 KB: the most one operation may ask for.
      [`{ ${aliases(3, page)} }`, {}],
      // A page per channel, as many as one operation may ask for.
      ['{ channels { messages(last: 15) { edges { node { body } } } } }', {}],
    ] as const;
    /** A request for three pages of 4 KB messages whose answer is never read: the server holds it while it waits. */
    const unread = () =>
      new Promise<ClientRequest>((resolve) => {
        const req = request(`${server.url}/graphql`, {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
        req.on('error', () => undefined);
        req.on('socket', (socket) => socket.on('connect', () => socket.pause()));
        req.end(JSON.stringify({ query: `{ ${aliases(3, page)} }` }), () => resolve(req));
      });
    const growth = await measure(server, async () => {
      // Answers left unread keep the user's places in progress until the system has taken them.
      const stalled = await Promise.all(Array.from({ length: 8 }, unread));
      const until = Date.now() + 6000;
      const answers: GraphqlResponse[] = [];
      await Promise.all(
        Array.from({ length: 16 }, async (_, worker) => {
          for (let n = worker; Date.now() < until; n++) {
            const [query, variables] = attacks[n % attacks.length];
            answers.push(await post(query, variables));
          }
        }),
      );
      const codes = new Set(answers.flatMap((a) => codesOf(a)));
      expect(
        [...codes].every((c) => ['GRAPHQL_VALIDATION_FAILED', 'RATE_LIMITED', 'BAD_USER_INPUT'].includes(String(c))),
      ).toBe(true);
      await stillServing();
      return () => stalled.forEach((req) => req.destroy());
    });
    report('a PLUS user', name, growth);
    expect(server.running).toBe(true);
    expect(growth.held).toBeLessThan(BUDGET_BYTES);
  });
});

describeReal(
  'a flood: many users sending as fast as they may, at once, through two instances (%s)',
  (_name, profile) => {
    const sink = new SmtpSink();
    let database: Awaited<ReturnType<Profile['createDatabase']>>;
    const servers: ServerProcess[] = [];

    beforeAll(async () => {
      await sink.start();
      database = await profile.createDatabase();
      const env = {
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        MQTT_URL: profile.mqttUrl!,
        MQTT_TOPIC_PREFIX: `flood${randomUUID().slice(0, 8)}`,
        SMTP_URL: sink.url,
        LOGIN_CODES_PER_ADDRESS_PER_HOUR: '10000',
        DEFAULT_CHANNELS: 'general,random',
        // Each user comes from an address of its own (X-Forwarded-For from loopback), as a real crowd would.
        TRUST_PROXY: 'loopback',
        WEB_APP: '0',
        LOG_LEVEL: 'info',
      };
      for (let i = 0; i < 2; i++) {
        const server = new ServerProcess(await freePort(), { ...env, MIGRATE_ON_START: i === 0 ? 'true' : 'false' });
        await server.start();
        servers.push(server);
      }
    }, 120_000);
    afterAll(async () => {
      for (const server of servers) await server.stop();
      await database?.drop();
      await sink.stop();
    });

    it('holds every limit for each user, stores every acknowledged send once and gap-free, and every subscriber gets exactly the stored messages', async () => {
      const USERS = 24;
      const channels = [defaultChannelId('general'), defaultChannelId('random')];
      const users = await Promise.all(
        Array.from({ length: USERS }, async (_, u) => ({
          ...(await signIn(servers[u % 2].url, sink, uniqueEmail(`flood${u}`))),
          address: `203.0.113.${u + 1}`,
        })),
      );
      // A subscriber on each instance, for each channel, from the start.
      const watchers = servers.flatMap((server) =>
        channels.map((channelId) => {
          const client = createClient({
            url: `${server.url.replace('http', 'ws')}/graphql`,
            webSocketImpl: WebSocket,
            connectionParams: { authToken: users[0].token },
            retryAttempts: 0,
          });
          const seen: { id: string; seq: number }[] = [];
          client.subscribe(
            { query: MESSAGE_ADDED, variables: { channelId, afterSeq: 1 } },
            { next: (v) => seen.push((v.data as any).messageAdded), error: () => undefined, complete: () => undefined },
          );
          return { client, channelId, seen };
        }),
      );
      const acknowledged: string[] = [];
      const codes = new Map<string, number>();
      const until = Date.now() + 12_000;
      await Promise.all(
        users.flatMap((user, u) =>
          // Eight at a time per user (twice what one user may have in progress), through both instances.
          Array.from({ length: 8 }, async (_, lane) => {
            for (let n = 0; Date.now() < until; n++) {
              const res = await fetch(`${servers[(u + lane) % 2].url}/graphql`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${user.token}`,
                  'x-forwarded-for': user.address,
                },
                body: JSON.stringify({
                  query: 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
                  variables: {
                    input: {
                      channelId: channels[n % 2],
                      body: `u${u} l${lane} #${n}`,
                      clientMessageId: `u${u}-${lane}-${n}`,
                    },
                  },
                }),
              }).then((r) => r.json() as Promise<GraphqlResponse<{ sendMessage: { id: string } }>>);
              const code = (codesOf(res)[0] as string | undefined) ?? 'OK';
              codes.set(code, (codes.get(code) ?? 0) + 1);
              if (code === 'OK') acknowledged.push(res.data!.sendMessage.id);
              else await pause(50);
            }
          }),
        ),
      );
      // Every refusal is a limit, said as one.
      expect([...codes.keys()].sort()).toEqual(['OK', 'RATE_LIMITED']);
      const db = await createConnection(database.url);
      try {
        const [stored] = (await db.query(
          'select id, channel_id as channelId, seq, sender_id as senderId, created_at as createdAt from messages order by channel_id, seq',
        )) as [{ id: string; channelId: string; seq: number; senderId: string | null; createdAt: Date }[], unknown];
        // Every acknowledged send is stored once, and nothing else was.
        const sent = stored.filter((m) => m.senderId !== null);
        expect(new Set(sent.map((m) => m.id))).toEqual(new Set(acknowledged));
        expect(sent).toHaveLength(acknowledged.length);
        // No user stored more than 30 in any 10 s.
        for (const user of users) {
          const times = sent.filter((m) => m.senderId === user.userId).map((m) => new Date(m.createdAt).getTime());
          times.sort((a, b) => a - b);
          for (let i = 30; i < times.length; i++) expect(times[i] - times[i - 30]).toBeGreaterThanOrEqual(10_000);
        }
        // seq is 1..N per channel, and every subscriber on both instances got exactly those, in order.
        for (const channelId of channels) {
          const seqs = stored.filter((m) => m.channelId === channelId).map((m) => m.seq);
          expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
          const expected = stored.filter((m) => m.channelId === channelId && m.seq > 1).map((m) => m.id);
          for (const watcher of watchers.filter((w) => w.channelId === channelId)) {
            await eventuallyPasses(() => expect(watcher.seen.map((m) => m.id)).toEqual(expected), 30_000);
          }
        }
      } finally {
        await db.end();
        for (const watcher of watchers) await watcher.client.dispose();
      }
      for (const server of servers) {
        expect(server.running).toBe(true);
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      }
    });
  },
);

describeReal('a user who can read 500 channels, on Mosquitto with dynamic security (%s)', (_name, profile) => {
  const sink = new SmtpSink();
  let broker: TestMosquitto;
  let database: Awaited<ReturnType<Profile['createDatabase']>>;
  let server: ServerProcess;

  beforeAll(async () => {
    await sink.start();
    broker = await TestMosquitto.start({ dynsec: true, persistence: true });
    database = await profile.createDatabase();
    server = new ServerProcess(await freePort(), {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      MQTT_URL: broker.url,
      MQTT_USERNAME: TestMosquitto.admin.username,
      MQTT_PASSWORD: TestMosquitto.admin.password,
      MQTT_ACCESS_CONTROL: 'dynsec',
      MQTT_PUBLIC_URL: broker.url,
      SMTP_URL: sink.url,
      LOGIN_CODES_PER_ADDRESS_PER_HOUR: '10000',
      WEB_APP: '0',
      LOG_LEVEL: 'info',
    });
    await server.start();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await broker?.stop();
    await database?.drop();
    await sink.stop();
  });

  it('gets credentials, follows a new channel, survives a crash and a restart, and never rejects unobserved', async () => {
    const { token, userId } = await signIn(server.url, sink, uniqueEmail('many'));
    const post = <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) =>
      gql<T>(server.url, query, variables, token);
    const credentials = async () => {
      const res = await post('{ mqttCredentials { url username password clientId topics } }');
      expect(codesOf(res)).toEqual([]);
      return res.data!.mqttCredentials as {
        url: string;
        username: string;
        password: string;
        clientId: string;
        topics: string[];
      };
    };
    await credentials();
    // 499 PASSWORD channels of someone else, joined, written straight to the database (500 argon2 joins would take
    // minutes).
    const owner = await signIn(server.url, sink, uniqueEmail('owner'));
    const ids = Array.from({ length: 499 }, () => randomUUID());
    const db = await createConnection(database.url);
    try {
      const now = new Date();
      await db.query(
        `insert into channels (id, name, kind, owner_id, password_hash, last_seq, created_at) values ${ids
          .map(() => "(?, 'room', 'PASSWORD', ?, 'x', 0, ?)")
          .join(', ')}`,
        ids.flatMap((id) => [id, owner.userId, now]),
      );
      await db.query(
        `insert into memberships (channel_id, user_id, joined_at) values ${ids.map(() => '(?, ?, ?)').join(', ')}`,
        ids.flatMap((id) => [id, userId, now]),
      );
    } finally {
      await db.end();
    }
    // The change that crashed the server: a PLUS user with credentials creates a channel (its roles follow).
    const checkout = (await post('mutation { startCheckout(planId: "PLUS_30D") { url } }')).data!.startCheckout;
    await fetch(`${server.url}${new URL(checkout.url as string).pathname}/complete`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(codesOf(await post('mutation { createChannel(input: { name: "own", kind: PRIVATE }) { id } }'))).toEqual([]);
    const granted = async () => {
      const c = await credentials();
      expect(c.topics.length).toBeGreaterThanOrEqual(501);
      const client = await mqtt.connectAsync(c.url, {
        username: c.username,
        password: c.password,
        clientId: c.clientId,
        reconnectPeriod: 0,
      });
      try {
        const topic = c.topics[c.topics.length - 1];
        return (await client.subscribeAsync(topic, { qos: 1 }))[0].qos;
      } finally {
        await client.endAsync(true);
      }
    };
    await eventuallyPasses(async () => expect(await granted()).toBe(1), 30_000);
    expect(server.running).toBe(true);

    // A crash, and a start on the same database: the start-up reconcile provisions them all again.
    await server.kill();
    await server.start();
    await eventuallyPasses(async () => {
      expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', directMqtt: 'up' });
    }, 30_000);
    expect(await granted()).toBe(1);
    expect(server.running).toBe(true);
    expect(server.logs.filter((line) => line.includes('unhandled rejection'))).toEqual([]);
  });
});
