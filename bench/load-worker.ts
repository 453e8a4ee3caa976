/**
 * A load generator in a process of its own (the server runs in another): it receives a job over IPC, runs it over
 * loopback, and answers with what it measured.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import Database from 'libsql';
import mqtt from 'mqtt';
import { createPool } from 'mysql2/promise';
import WebSocket from 'ws';
import { disableNagle } from '../src/bridge/broker';

export type Job =
  | {
      kind: 'send';
      url: string;
      tokens: string[];
      channelIds: string[];
      concurrency: number;
      total: number;
      /** How many sends the subscriber waits for (default `total`): all of them, when several jobs send at once. */
      expectDelivered?: number;
      /** Once warm, answer `ready` and send only on `go` (so jobs on several instances start together). */
      startOnSignal?: boolean;
      /**
       * `http` (the default): each send is a POST on a keep-alive connection, with the next token in turn. `ws`: each
       * token's user holds a graphql-ws socket, opened before the load, and sends over it (the next user in turn).
       */
      transport?: 'http' | 'ws';
      /** Set in every clientMessageId, so that a second run with the same users sends new messages, not retries. */
      runId?: string;
    }
  | { kind: 'floor'; url: string; concurrency: number; total: number }
  | {
      kind: 'raw-insert';
      databaseUrl: string;
      channelIds: string[];
      concurrency: number;
      total: number;
      /** Added to each row's seq, so that jobs writing at once write different rows (default 0). */
      offset?: number;
    }
  | { kind: 'history'; url: string; token: string; channelId: string; before: string | null; rounds: number }
  | {
      kind: 'latency';
      url: string;
      /** Another instance (same database and broker), where a second subscriber receives through the broker. */
      remoteUrl?: string;
      tokens: string[];
      channelId: string;
      rate: number;
      total: number;
      warmup: number;
    }
  | { kind: 'raw-insert-rate'; databaseUrl: string; channelId: string; rate: number; total: number; warmup: number }
  | {
      kind: 'raw-mqtt-latency';
      mqttUrl: string;
      account?: { username: string; password: string };
      topic: string;
      rate: number;
      total: number;
      warmup: number;
    }
  | { kind: 'resume'; url: string; token: string; channelId: string; afterSeq: number; count: number }
  | { kind: 'page'; url: string; token: string; channelId: string; before: string; pages: number; pageSize: number }
  | {
      kind: 'fanout-graphql';
      url: string;
      tokens: string[];
      channelId: string;
      count: number;
      /** The loopback address the sockets come from (one address holds at most ~28,000 connections to a port). */
      localAddress?: string;
    }
  | { kind: 'fanout-mqtt'; mqttUrl: string; topic: string; count: number; localAddress?: string };

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();

/**
 * Keep-alive connections for the load. Node's `fetch` (undici) costs so much CPU per request that one load process
 * could not ask more than about 1,500 requests a second of a server answering a constant on these cores; plain
 * `http.request` on a keep-alive agent asks about 6,000, so the load is not what is measured.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * POSTs a GraphQL operation and resolves with its parsed answer.
 *
 * @throws Error when the connection fails or the answer is not JSON; GraphQL errors are in the answer.
 */
export function postGraphql<T = unknown>(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ data?: T; errors?: unknown[] }> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString()) as { data?: T; errors?: unknown[] });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface Result {
  count: number;
  seconds: number;
  latenciesMs: number[];
  /** For `latency`: request to HTTP answer. */
  answeredMs?: number[];
  /** For `latency` with `remoteUrl`: request to the other instance's subscriber. */
  remoteLatenciesMs?: number[];
  /** For `send`: from the first send until the subscriber had the last message. */
  deliveredSeconds?: number;
  /** For `send`: the sends refused with UNAVAILABLE and sent again. */
  retries?: number;
}

/** A graphql-ws client of the server at `url` (http://…), signed in with `token`. */
const wsClient = (url: string, token: string, options: Partial<ClientOptions> = {}) =>
  createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authToken: token },
    ...options,
  });

const MESSAGE_ADDED =
  'subscription ($id: ID!, $after: Int) { messageAdded(channelId: $id, afterSeq: $after) { id seq body clientMessageId } }';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `send(i, due)` for i = -warmup … total-1 at a fixed rate (a send that falls behind does not delay the next),
 * and resolves once every call has settled. Negative i are the warm-up (connections opened, code compiled): callers
 * measure only i >= 0, and from `due`, so a call that starts late (a synchronous client blocking the loop) counts
 * its wait. Resolves with the time i = 0 was due.
 */
async function paced(
  rate: number,
  warmup: number,
  total: number,
  send: (i: number, due: number) => Promise<unknown>,
): Promise<number> {
  const start = now();
  const calls: Promise<unknown>[] = [];
  for (let i = -warmup; i < total; i++) {
    const due = start + ((i + warmup) * 1000) / rate;
    if (due > now()) await pause(due - now());
    // Timed from when it was due, or from when it starts if a timer fired a little early.
    calls.push(send(i, Math.min(due, now())));
  }
  await Promise.all(calls);
  return start + (warmup * 1000) / rate;
}

/**
 * Scenario 1: `concurrency` closed-loop senders over HTTP, spread over the channels, while one graphql-ws client
 * subscribed to every channel counts what is delivered. `seconds` runs from the first send to the last answer;
 * `deliveredSeconds` to the last delivery.
 */
async function send(job: Extract<Job, { kind: 'send' }>): Promise<Result> {
  const query = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }';
  let retries = 0;
  const sockets = job.transport === 'ws' ? await openSockets(job.url, job.tokens) : undefined;
  const operation = (i: number, variables: Record<string, unknown>) =>
    sockets
      ? overSocket(sockets[i % sockets.length], query, variables)
      : postGraphql(job.url, job.tokens[i % job.tokens.length], query, variables);
  /** Sends until acknowledged: a refusal that says to send again (UNAVAILABLE) is retried, as clients do. */
  const post = async (i: number, body: string, clientMessageId: string): Promise<void> => {
    for (;;) {
      const answer = await operation(i, {
        input: { channelId: job.channelIds[i % job.channelIds.length], body, clientMessageId },
      });
      const error = answer.errors?.[0] as { extensions?: { code?: string; retryAfterSeconds?: number } } | undefined;
      if (!error && answer.data) return;
      if (error?.extensions?.code !== 'UNAVAILABLE') throw new Error(JSON.stringify(answer));
      retries++;
      await pause((error.extensions.retryAfterSeconds ?? 1) * 1000);
    }
  };

  const subscriber = wsClient(job.url, job.tokens[0]);
  const warmed = new Set<string>();
  /** Deliveries counted once per message id: a duplicate must not stand in for a message that never came. */
  const seen = new Set<string>();
  let delivered = 0;
  let lastDelivery = 0;
  let onEvent = () => undefined as void;
  for (const channelId of job.channelIds) {
    subscriber.subscribe<{ messageAdded: { id: string; clientMessageId: string } }>(
      { query: MESSAGE_ADDED, variables: { id: channelId } },
      {
        next: ({ data }) => {
          const id = data!.messageAdded.clientMessageId;
          if (id.startsWith('warm-')) warmed.add(channelId);
          else if (id.startsWith('b-') && !seen.has(data!.messageAdded.id)) {
            seen.add(data!.messageAdded.id);
            delivered++;
            lastDelivery = performance.now();
          }
          onEvent();
        },
        error: (error) => console.error(error),
        complete: () => undefined,
      },
    );
  }
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      onEvent = () => done() && resolve();
      onEvent();
    });
  // The subscriptions are live once a message sent after them reaches each one.
  for (let round = 0; warmed.size < job.channelIds.length; round++) {
    const arrived = until(() => warmed.size === job.channelIds.length);
    await Promise.all(
      job.channelIds.map((_, i) =>
        post(i + round * job.channelIds.length, 'warm', `warm-${job.runId ?? ''}-${round}-${i}`),
      ),
    );
    await Promise.race([arrived, pause(1000)]);
  }
  if (job.startOnSignal) {
    const go = new Promise<void>((resolve) =>
      process.on('message', (message: { type?: string }) => message.type === 'go' && resolve()),
    );
    process.send!({ type: 'ready' });
    await go;
  }

  let next = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, worker) => {
      for (let i = next++; i < job.total; i = next++) {
        const t = performance.now();
        await post(i, `bench ${worker}/${i}`, `b-${job.runId ?? ''}-${i}`);
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const expected = job.expectDelivered ?? job.total;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    const report = () => reject(new Error(`the subscriber got ${delivered} of ${expected} acknowledged sends in 60 s`));
    timer = setTimeout(report, 60_000);
  });
  await Promise.race([until(() => delivered >= expected), late]).finally(() => clearTimeout(timer));
  await subscriber.dispose();
  for (const socket of sockets ?? []) await socket.dispose();
  return { count: job.total, seconds, latenciesMs, deliveredSeconds: (lastDelivery - start) / 1000, retries };
}

/** One graphql-ws socket per token, each signed in and open (`connection_ack`) when this resolves. */
async function openSockets(url: string, tokens: string[]): Promise<Client[]> {
  const sockets: Client[] = [];
  // A hundred at a time: the server signs each socket in, and a burst of thousands is not what is measured.
  for (let start = 0; start < tokens.length; start += 100) {
    const batch = tokens.slice(start, start + 100).map(
      (token) =>
        new Promise<Client>((resolve, reject) => {
          const client = wsClient(url, token, { lazy: false, retryAttempts: 0, onNonLazyError: reject });
          client.on('connected', () => resolve(client));
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/**
 * Runs a query or mutation over a graphql-ws socket and resolves with its answer, as `postGraphql` does.
 *
 * @throws the socket's error (a closed socket, or errors graphql-ws reports as an `error` message).
 */
function overSocket(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data?: unknown; errors?: unknown[] }> {
  return new Promise((resolve, reject) => {
    let answer: { data?: unknown; errors?: unknown[] } = {};
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          answer = result as typeof answer;
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(answer),
      },
    );
  });
}

/** Scenario 1's floor: the same closed-loop load on an operation that touches no database (`{ __typename }`). */
async function floor(job: Extract<Job, { kind: 'floor' }>): Promise<Result> {
  let next = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      for (let i = next++; i < job.total; i = next++) {
        const t = performance.now();
        const answer = await postGraphql(job.url, undefined, '{ __typename }');
        if (answer.errors) throw new Error(JSON.stringify(answer.errors));
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  return { count: job.total, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/**
 * The raw baseline's INSERT of one message row into `bench_raw_messages`, straight through the database's own
 * client: a mysql2 pool of `connections` on MySQL; on SQLite (the embedded profile) one libSQL connection, which
 * writes synchronously, one autocommit transaction at a time, as SQLite takes one writer.
 */
function rawInserter(databaseUrl: string, connections: number) {
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(databaseUrl.slice('file:'.length));
    // As MySQL's `create table … like` copies no foreign keys, the raw table checks none.
    db.exec('pragma busy_timeout = 5000');
    db.exec('pragma foreign_keys = off');
    // The durability the embedded server uses (src/mikro-orm.config.ts).
    db.exec('pragma journal_mode = wal');
    db.exec('pragma synchronous = full');
    const statement = db.prepare(
      'insert into bench_raw_messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return {
      insert: async (channelId: string, seq: number, body: string, clientMessageId: string) => {
        statement.run(randomUUID(), channelId, seq, 'USER', body, null, clientMessageId, Date.now());
      },
      end: async () => db.close(),
    };
  }
  const pool = createPool({ uri: databaseUrl, connectionLimit: connections });
  return {
    insert: async (channelId: string, seq: number, body: string, clientMessageId: string) => {
      await pool.execute(
        'insert into bench_raw_messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at) values (uuid(), ?, ?, ?, ?, ?, ?, now(3))',
        [channelId, seq, 'USER', body, null, clientMessageId],
      );
    },
    end: () => pool.end(),
  };
}

async function rawInsert(job: Extract<Job, { kind: 'raw-insert' }>): Promise<Result> {
  const raw = rawInserter(job.databaseUrl, job.concurrency);
  let next = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        for (let i = next++; i < job.total; i = next++) {
          const t = performance.now();
          const seq = (job.offset ?? 0) + i;
          await raw.insert(job.channelIds[i % job.channelIds.length], seq, `bench ${seq}`, `b-${seq}`);
          latenciesMs.push(performance.now() - t);
        }
      }),
    );
  } finally {
    await raw.end();
  }
  return { count: job.total, seconds: (performance.now() - start) / 1000, latenciesMs };
}

async function history(job: Extract<Job, { kind: 'history' }>): Promise<Result> {
  const query = `query ($id: ID!, $before: String) { messages(channelId: $id, last: 50, before: $before) { edges { node { seq body } } } }`;
  const latenciesMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < job.rounds; i++) {
    const t = performance.now();
    const body = await postGraphql<{ messages: { edges: unknown[] } }>(job.url, job.token, query, {
      id: job.channelId,
      before: job.before,
    });
    if (body.data?.messages.edges.length !== 50)
      throw new Error(`unexpected page: ${JSON.stringify(body).slice(0, 200)}`);
    latenciesMs.push(performance.now() - t);
  }
  return { count: job.rounds, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** Sends `total` messages at a fixed rate (open loop) and times each from the request to a subscriber's receipt. */
async function latency(job: Extract<Job, { kind: 'latency' }>): Promise<Result> {
  const sentAt = new Map<string, number>();
  /** Request → HTTP answer, beside request → subscriber: where the time goes. */
  const answeredMs: number[] = [];
  /** A subscriber on `url`: resolves its latencies once it has every measured message. */
  const subscriber = (url: string) => {
    const latenciesMs: number[] = [];
    const client = wsClient(url, job.tokens[0]);
    let resolveAll!: () => void;
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    const ready = new Promise<void>((resolve) => {
      client.on('connected', () => setTimeout(resolve, 200));
    });
    client.subscribe<{ messageAdded: { clientMessageId: string } }>(
      { query: MESSAGE_ADDED, variables: { id: job.channelId } },
      {
        next: ({ data }) => {
          const started = sentAt.get(data!.messageAdded.clientMessageId);
          if (started === undefined) return;
          latenciesMs.push(now() - started);
          if (latenciesMs.length === job.total) resolveAll();
        },
        error: (error) => console.error(error),
        complete: () => undefined,
      },
    );
    return { ready, done: all.then(() => client.dispose()).then(() => latenciesMs) };
  };
  const local = subscriber(job.url);
  const remote = job.remoteUrl ? subscriber(job.remoteUrl) : undefined;
  const ready = Promise.all([local.ready, remote?.ready]);
  await ready;
  const query = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }';
  const start = await paced(job.rate, job.warmup, job.total, (i, sent) => {
    const clientMessageId = i < 0 ? `lat-warm${i}` : `lat-${i}`;
    if (i >= 0) sentAt.set(clientMessageId, sent);
    return postGraphql(job.url, job.tokens[(i + job.warmup) % job.tokens.length], query, {
      input: { channelId: job.channelId, body: `latency ${i}`, clientMessageId },
    }).then(() => {
      if (i >= 0) answeredMs.push(now() - sent);
    });
  });
  const [latenciesMs, remoteLatenciesMs] = await Promise.all([local.done, remote?.done]);
  return { count: job.total, seconds: (now() - start) / 1000, latenciesMs, answeredMs, remoteLatenciesMs };
}

/** Raw INSERTs of the same rows at the same fixed rate, each timed. */
async function rawInsertRate(job: Extract<Job, { kind: 'raw-insert-rate' }>): Promise<Result> {
  const raw = rawInserter(job.databaseUrl, 8);
  const latenciesMs: number[] = [];
  const start = await paced(job.rate, job.warmup, job.total, async (i, t) => {
    await raw.insert(job.channelId, 1_000_000 + job.warmup + i, `latency ${i}`, `lat-${i}`);
    if (i >= 0) latenciesMs.push(now() - t);
  });
  await raw.end();
  return { count: job.total, seconds: (now() - start) / 1000, latenciesMs };
}

/** Raw MQTT QoS 1 publish → receive on the same broker at the same rate, each timed. */
async function rawMqttLatency(job: Extract<Job, { kind: 'raw-mqtt-latency' }>): Promise<Result> {
  // Nagle off, as on the server's own broker connection, so the baseline is the broker's best.
  const subscriber = disableNagle(await mqtt.connectAsync(job.mqttUrl, { ...job.account }));
  const publisher = disableNagle(await mqtt.connectAsync(job.mqttUrl, { ...job.account }));
  await subscriber.subscribeAsync(job.topic, { qos: 1 });
  const latenciesMs: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  subscriber.on('message', (_topic, payload) => {
    const { i, t } = JSON.parse(payload.toString()) as { i: number; t: number };
    if (i < 0) return;
    latenciesMs.push(now() - t);
    if (latenciesMs.length === job.total) resolveAll();
  });
  const start = await paced(job.rate, job.warmup, job.total, (i, t) =>
    publisher.publishAsync(job.topic, JSON.stringify({ i, t, body: `latency ${i}`.padEnd(300, ' ') }), {
      qos: 1,
    }),
  );
  await all;
  await subscriber.endAsync();
  await publisher.endAsync();
  return { count: job.total, seconds: (now() - start) / 1000, latenciesMs };
}

/** Subscribes with afterSeq and times until `count` replayed messages have arrived. */
async function resume(job: Extract<Job, { kind: 'resume' }>): Promise<Result> {
  const client = wsClient(job.url, job.token, { lazy: false });
  await new Promise<void>((resolve) => client.on('connected', () => resolve()));
  const start = now();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const stop = client.subscribe(
      { query: MESSAGE_ADDED, variables: { id: job.channelId, after: job.afterSeq } },
      {
        next: () => {
          if (++received === job.count) {
            stop();
            resolve();
          }
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  const seconds = (now() - start) / 1000;
  await client.dispose();
  return { count: received, seconds, latenciesMs: [seconds * 1000] };
}

/** Pages backwards through history from `before`, `pages` pages of `pageSize`, and times the whole. */
async function page(job: Extract<Job, { kind: 'page' }>): Promise<Result> {
  const query = `query ($id: ID!, $before: String, $n: Int) { messages(channelId: $id, last: $n, before: $before) { edges { node { id seq body clientMessageId } } pageInfo { startCursor } } }`;
  const start = now();
  let before: string | null = job.before;
  let count = 0;
  for (let i = 0; i < job.pages; i++) {
    const body: { data?: { messages: { edges: unknown[]; pageInfo: { startCursor: string } } } } = await postGraphql(
      job.url,
      job.token,
      query,
      { id: job.channelId, before, n: job.pageSize },
    );
    count += body.data!.messages.edges.length;
    before = body.data!.messages.pageInfo.startCursor;
  }
  const seconds = (now() - start) / 1000;
  return { count, seconds, latenciesMs: [seconds * 1000] };
}

/**
 * Long-lived: `count` subscribers on one channel (graphql-ws sockets, or raw MQTT clients). Tells the parent
 * 'ready' once all are subscribed, then for each message reports when the last of its subscribers had it.
 */
async function fanout(job: Extract<Job, { kind: 'fanout-graphql' | 'fanout-mqtt' }>): Promise<void> {
  const arrivals = new Map<string, { count: number; last: number }>();
  const arrive = (key: string) => {
    const entry = arrivals.get(key) ?? { count: 0, last: 0 };
    entry.count++;
    entry.last = now();
    arrivals.set(key, entry);
    if (entry.count === job.count) process.send!({ type: 'all-received', key, last: entry.last });
  };
  const closers: (() => Promise<unknown>)[] = [];
  /** Close codes seen while subscribers were open (reported to the parent for diagnosis). */
  const closes = new Map<string, number>();
  setInterval(() => {
    if (closes.size) process.stderr.write(`fan-out worker closes: ${JSON.stringify(Object.fromEntries(closes))}\n`);
  }, 5000).unref();
  for (let i = 0; i < job.count; i++) {
    if (job.kind === 'fanout-graphql') {
      const client = wsClient(job.url, job.tokens[i % job.tokens.length], {
        webSocketImpl: job.localAddress ? fromAddress(job.localAddress) : WebSocket,
        lazy: false,
        retryAttempts: 10,
        retryWait: async () => {
          await pause(200 + Math.random() * 800);
        },
        on: {
          closed: (event) => {
            const code = String((event as { code?: number }).code);
            closes.set(code, (closes.get(code) ?? 0) + 1);
          },
        },
      });
      client.subscribe<{ messageAdded: { body: string } }>(
        { query: MESSAGE_ADDED, variables: { id: job.channelId } },
        {
          next: ({ data }) => arrive(data!.messageAdded.body),
          error: (e) => console.error(e),
          complete: () => undefined,
        },
      );
      closers.push(async () => client.dispose());
      if (i % 50 === 49) await pause(250); // about 200 new sockets a second per worker: a burst resets some
    } else {
      const client = await mqttFrom(job.mqttUrl, job.localAddress);
      await client.subscribeAsync(job.topic, { qos: 1 });
      client.on('message', (_topic, payload) => arrive(String(JSON.parse(payload.toString()).body)));
      closers.push(async () => client.endAsync(true));
    }
  }
  process.send!({ type: 'opened' });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void Promise.all(closers.map((close) => close())).finally(() => process.exit(0));
  });
}

/** A WebSocket class whose connections come from `localAddress`. */
const fromAddress = (localAddress: string) =>
  class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { localAddress });
    }
  };

/** An MQTT client connected (CONNACK) from `localAddress`, or from any address when none is given. */
function mqttFrom(url: string, localAddress: string | undefined): Promise<mqtt.MqttClient> {
  if (!localAddress) return mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const { hostname, port } = new URL(url);
  const client = new mqtt.MqttClient(() => createConnection({ host: hostname, port: Number(port), localAddress }), {
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

process.on('message', (job: Job) => {
  if (!('kind' in job)) return; // a control message for a long-lived job
  if (job.kind === 'fanout-graphql' || job.kind === 'fanout-mqtt') {
    void fanout(job);
    return;
  }
  const runners: { [K in Job['kind']]?: (job: never) => Promise<Result> } = {
    send,
    floor,
    'raw-insert': rawInsert,
    history,
    latency,
    'raw-insert-rate': rawInsertRate,
    'raw-mqtt-latency': rawMqttLatency,
    resume,
    page,
  };
  const run = runners[job.kind]!(job as never);
  run.then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String(error) }, () => process.exit(1)),
  );
});
