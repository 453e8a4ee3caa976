/**
 * `npm run bench`: measures the server beside the raw limits of the parts it is built on, in the same run.
 * Real profile (the default): MySQL/MariaDB at BENCH_DATABASE_URL (a server URL; a database is created and dropped)
 * and the broker at BENCH_MQTT_URL. BENCH_PROFILE=embedded: a SQLite file and the in-process Aedes broker, as
 * `npm start` runs, for scenarios 1 and 2. Load comes from separate processes over loopback (bench/load-worker.ts).
 *
 * Scenarios (BENCH_SCENARIOS=1,2,3,4,5,6,7 by default): 1 send throughput over HTTP and over graphql-ws vs the
 * floor of any request and raw INSERT; 2 end-to-end latency at a quarter (BENCH_LATENCY_LOAD) of the send rate 1
 * measured vs raw INSERT + raw MQTT; 3 fan-out to BENCH_FANOUT (1000,10000,50000) graphql-ws subscribers, from
 * several loopback addresses, vs as many raw MQTT subscribers (on a Mosquitto of the bench's own); 4 server RSS per subscribed socket (measured with the largest fan-out); 5 history page at the
 * newest end and deep in a long channel; 6 afterSeq replay of 1,000 messages vs paging them; 7 (run before 5, real
 * profile) the cost of a send with BENCH_GROWTH_MESSAGES (2,000,000) more messages stored vs without.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/knex';
import Database from 'libsql';
import { createConnection } from 'mysql2/promise';
import mqtt from 'mqtt';
import pino from 'pino';
import { startApp } from '../src/app';
import { disableNagle } from '../src/bridge/broker';
import { loadConfig } from '../src/config';
import { Message, MessageKind } from '../src/entities';
import { defaultChannelId } from '../src/services/channel.service';
import { encodeCursor } from '../src/services/cursor';
import { databaseCost, type DatabaseCost, type Sql } from './database-cost';
import { prefillMessages } from './growth';
import { startRawBroker } from './raw-broker';
import { cpuMicros, fanout, fanoutShares, median, percentile, round, runTogether, runWorker } from './harness';
import { postGraphql, type Result } from './load-worker';
import { benchSessions } from './sessions';
import { settleInnoDb, type SettleReport } from './settle';

const env = process.env;
const SERVER_URL = env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const MQTT_URL = env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SENDS = Number(env.BENCH_SENDS ?? 6000);
const DEPTH = Number(env.BENCH_HISTORY_DEPTH ?? 1_000_000);
const CONCURRENCY = 32;
const CHANNELS = 8;
const USERS = 1000; // the contract's 30 sends per 10 s per user: load is spread over many users
const PROFILE = env.BENCH_PROFILE === 'embedded' ? 'embedded' : 'real';
/** The embedded profile (one SQLite writer, a broker in the server's process) is measured on sends and latency. */
const EMBEDDED_SCENARIOS = [1, 2];
const SCENARIOS = new Set(
  (env.BENCH_SCENARIOS ?? '1,2,3,4,5,6,7')
    .split(',')
    .map(Number)
    .filter((n) => PROFILE === 'real' || EMBEDDED_SCENARIOS.includes(n)),
);
const ASKED_FANOUT = (env.BENCH_FANOUT ?? '1000,10000,50000').split(',').map(Number);
/**
 * The fan-out sizes this machine can run: the server holds a socket per subscriber, within this process's open-file
 * limit (which `npm run bench` raises when it may, and which the load processes and the bench's Mosquitto inherit),
 * less 2,000 for everything else; a larger size asked for is measured at that size, and the summary says so.
 */
const FANOUT_CAP = Math.floor((openFileLimit() - 2000) / 1000) * 1000;
const FANOUT = [...new Set(ASKED_FANOUT.map((n) => Math.min(n, FANOUT_CAP)))].filter((n) => n > 0);
/** Scenario 2 sends at this share of the send rate scenario 1 measured over HTTP. */
const LATENCY_LOAD = Number(env.BENCH_LATENCY_LOAD ?? 0.25);
/** Scenario 7: how many messages the table holds when scenario 1's load runs again. */
const GROWTH_MESSAGES = Number(env.BENCH_GROWTH_MESSAGES ?? 2_000_000);

/** The open-file limit of this process (Linux), which its load processes inherit. */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? Infinity);
}

/** Where the bench server keeps its messages, and how the raw baseline reaches the same database. */
interface BenchStore {
  /** The server's DATABASE_URL. */
  databaseUrl: string;
  /** Where the raw INSERT baselines write `bench_raw_messages`: the same database on MySQL. */
  rawDatabaseUrl: string;
  /** The database's version and durability settings, for the summary. */
  settings: Record<string, unknown>;
  /** Creates `bench_raw_messages`, a copy of `messages` with its indexes, for the raw INSERT baselines. */
  createRawTable(sql: (statement: string) => Promise<unknown[]>): Promise<void>;
  /**
   * Lets the database write back what the scenarios before wrote, so that each latency series starts from the same
   * state (see settleInnoDb); undefined where there is nothing to wait for.
   */
  settle?(): Promise<SettleReport>;
  drop(): Promise<void>;
}

/** A database of its own on the MySQL/MariaDB server at BENCH_DATABASE_URL. */
async function mysqlStore(): Promise<BenchStore> {
  const name = `chat_bench_${Date.now().toString(36)}`;
  const admin = await createConnection(SERVER_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const [[settings]] = (await admin.query(
    'select version() as version, @@innodb_flush_log_at_trx_commit as flush, @@innodb_buffer_pool_size as pool',
  )) as unknown as [{ version: string; flush: number; pool: number }[]];
  const databaseUrl = new URL(SERVER_URL);
  databaseUrl.pathname = `/${name}`;
  return {
    databaseUrl: databaseUrl.toString(),
    rawDatabaseUrl: databaseUrl.toString(),
    settings: {
      version: settings.version,
      innodbFlushLogAtTrxCommit: Number(settings.flush),
      bufferPoolBytes: Number(settings.pool),
    },
    createRawTable: async (sql) => {
      await sql('create table if not exists bench_raw_messages like messages');
    },
    settle: () => settleInnoDb(admin),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/**
 * A SQLite file in a temporary directory, kept as the embedded default keeps it (a write-ahead log). The raw
 * baselines write a second file beside it with the same table and indexes: SQLite locks a whole file, and the
 * server's file is its alone.
 */
function sqliteStore(): BenchStore {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  const rawFile = join(dir, 'raw.sqlite');
  return {
    databaseUrl: `file:${join(dir, 'chat.sqlite')}`,
    rawDatabaseUrl: `file:${rawFile}`,
    settings: { engine: 'SQLite (libSQL), one writer at a time' },
    createRawTable: async (sql) => {
      const ddl = (await sql(
        "select sql from sqlite_master where tbl_name = 'messages' and sql is not null order by type desc",
      )) as { sql: string }[];
      const raw = new Database(rawFile);
      try {
        for (const { sql: statement } of ddl) {
          raw.exec(
            statement
              .replace(/messages/g, 'bench_raw_messages')
              .replace(/^create (unique )?(table|index)/i, '$& if not exists'),
          );
        }
      } finally {
        raw.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function main(): Promise<void> {
  if ((SCENARIOS.has(3) || SCENARIOS.has(4)) && FANOUT.length === 0) {
    throw new Error(`the open-file limit (${openFileLimit()}) leaves no room for a fan-out: raise it (ulimit -n)`);
  }
  const store = PROFILE === 'embedded' ? sqliteStore() : await mysqlStore();
  const databaseUrl = store.databaseUrl;
  const topicPrefix = `bench${randomBytes(4).toString('hex')}`;
  const channelNames = Array.from({ length: CHANNELS }, (_, i) => `bench-${i}`);
  /** A server instance on the bench's database and broker; `extra` variables on top. */
  const startInstance = (extra: Record<string, string> = {}) =>
    startApp(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        ...(PROFILE === 'real' ? { MQTT_URL } : { MQTT_EMBEDDED_PORT: '0' }),
        MQTT_TOPIC_PREFIX: topicPrefix,
        DEFAULT_CHANNELS: channelNames.join(','),
        // The fan-out's sockets come from a few loopback addresses and USERS users, far more of them than the
        // per-address and per-user limits let one client hold.
        MAX_SOCKETS_PER_ADDRESS: String(
          Math.max(100, ...FANOUT.flatMap((n) => fanoutShares(n).map((s) => s.count))) + 100,
        ),
        MAX_SOCKETS_PER_USER: String(Math.ceil(Math.max(0, ...FANOUT) / USERS) + 20),
        MAX_SUBSCRIPTIONS_PER_USER: String(Math.ceil(Math.max(0, ...FANOUT) / USERS) + 20),
        // BENCH_SESSION_CACHE_SECONDS=0 measures without the session cache.
        ...(env.BENCH_SESSION_CACHE_SECONDS ? { SESSION_CACHE_SECONDS: env.BENCH_SESSION_CACHE_SECONDS } : {}),
        ...extra,
      }),
      { logger: pino({ level: 'warn' }) },
    );
  const app = await startInstance();
  const results: Record<string, unknown> = {};
  // The raw MQTT baselines use the server's broker: Mosquitto, or the embedded one with the server's own account.
  const mqttUrl = app.broker.embedded ? `mqtt://127.0.0.1:${app.broker.embedded.port}` : MQTT_URL;
  const mqttAccount = app.broker.embedded?.serverCredentials;
  const sql: Sql = (statement) => app.orm.em.getConnection().execute<unknown[]>(statement);
  try {
    const em = app.orm.em.fork() as SqlEntityManager;
    const now = new Date();
    const tokens = await benchSessions(em, USERS);
    const channelIds = channelNames.map(defaultChannelId);

    /**
     * Scenario 1's load: SENDS sends by 32 closed-loop senders over `transport`, and what they cost, measured from
     * when the warm load process starts sending until the subscriber has every message: this process's CPU (the
     * server's), and the database's.
     */
    const measureSends = async (transport: 'http' | 'ws', runId: string) => {
      let cpuStart = process.cpuUsage();
      let startedAt = Date.now();
      let database: ((units: number) => Promise<DatabaseCost>) | undefined;
      const [sent] = await runTogether(
        [
          {
            kind: 'send',
            url: app.url,
            tokens,
            channelIds,
            concurrency: CONCURRENCY,
            total: SENDS,
            startOnSignal: true,
            transport,
            runId,
          },
        ],
        async () => {
          database = PROFILE === 'real' ? await databaseCost(sql) : undefined;
          cpuStart = process.cpuUsage();
          startedAt = Date.now();
        },
      );
      const serverCpuPerSendMs = cpuMicros(cpuStart) / SENDS / 1000;
      const databaseCostPerSend = await database?.(SENDS);
      for (;;) {
        const [row] = await em
          .getConnection()
          .execute<{ n: number }[]>('select count(*) as n from messages where published_at is null');
        if (Number(row.n) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return {
        transport,
        storedPerSecond: round(sent.count / sent.seconds),
        storedAndPublishedPerSecond: round(SENDS / ((Date.now() - startedAt) / 1000)),
        deliveredPerSecond: round(SENDS / sent.deliveredSeconds!),
        sendP50Ms: round(percentile(sent.latenciesMs, 50)),
        sendP99Ms: round(percentile(sent.latenciesMs, 99)),
        serverCpuPerSendMs: round(serverCpuPerSendMs, 2),
        databaseCpuPerSendMs:
          databaseCostPerSend?.cpuPerUnitMs === undefined ? undefined : round(databaseCostPerSend.cpuPerUnitMs, 2),
        databasePageReadsPerSend: databaseCostPerSend && round(databaseCostPerSend.pageReadsPerUnit, 2),
      };
    };
    type SendFigures = Awaited<ReturnType<typeof measureSends>>;
    /** Scenario 1's HTTP figures: what scenario 2 paces itself by. */
    let capacity: SendFigures | undefined;
    // The server's code paths compiled (V8 optimises what runs hot) before any send is measured: the first load of
    // a process would pay for it.
    if (SCENARIOS.has(1) || SCENARIOS.has(7)) {
      await measureSends('http', 'warm-http');
      await measureSends('ws', 'warm-ws');
    }

    if (SCENARIOS.has(1)) {
      // 1. Send throughput: stored and published, 32 concurrent senders over HTTP, then over graphql-ws, on 8
      // channels, beside the same load on `{ __typename }` (the floor of any request) and raw INSERTs.
      const overHttp = await measureSends('http', 'http');
      capacity = overHttp;
      const overSocket = await measureSends('ws', 'ws');
      const floorCpu = process.cpuUsage();
      const floor = await runWorker({ kind: 'floor', url: app.url, concurrency: CONCURRENCY, total: SENDS });
      const floorCpuMs = cpuMicros(floorCpu) / SENDS / 1000;
      const floorPerSecond = floor.count / floor.seconds;
      await store.createRawTable(sql);
      const raw = await runWorker({
        kind: 'raw-insert',
        databaseUrl: store.rawDatabaseUrl,
        channelIds,
        concurrency: CONCURRENCY,
        total: SENDS,
      });
      const rawPerSecond = raw.count / raw.seconds;
      results.sendThroughput = {
        messages: SENDS,
        overHttp,
        overSocket,
        // The same load on `{ __typename }` (HTTP + Apollo, no database), what bounds any operation.
        floorPerSecond: round(floorPerSecond),
        serverCpuPerFloorRequestMs: round(floorCpuMs, 2),
        rawInsertPerSecond: round(rawPerSecond),
        rawInsertP50Ms: round(percentile(raw.latenciesMs, 50)),
        httpRateToFloor: round(overHttp.storedPerSecond / floorPerSecond, 2),
        httpCpuToFloor: round(overHttp.serverCpuPerSendMs / floorCpuMs, 2),
        socketRateToFloor: round(overSocket.storedPerSecond / floorPerSecond, 2),
        socketCpuToFloor: round(overSocket.serverCpuPerSendMs / floorCpuMs, 2),
        httpRateToRawInsert: round(overHttp.storedPerSecond / rawPerSecond, 2),
        target: 'CPU per send <= 2 x the floor request, send rate >= 0.4 x the floor; the socket better than HTTP',
      };
      process.stdout.write(`send throughput: ${JSON.stringify(results.sendThroughput)}\n`);
    }

    let tokenTurn = 0;
    const nextToken = () => tokens[tokenTurn++ % tokens.length];
    const sendVia = (channelId: string, body: string) =>
      postGraphql(app.url, nextToken(), 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }', {
        input: { channelId, body, clientMessageId: randomUUID() },
      }).then((answer) => {
        if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      });

    // 2. End-to-end latency at a share (LATENCY_LOAD) of the send rate scenario 1 has just measured (200 msg/s when it
    // did not run), beside a raw INSERT's and a raw MQTT publish's at the same rate: latency, not queueing.
    if (SCENARIOS.has(2)) {
      await store.createRawTable(sql);
      const rate = capacity ? Math.max(10, Math.round(capacity.storedPerSecond * LATENCY_LOAD)) : 200;
      const total = rate * 10;
      // Each series starts with 2 s at the same rate that is not measured: pools fill, code is compiled.
      const warmup = rate * 2;
      // The subscriber on the storing instance gets each message locally; one on a second instance (same database
      // and broker) gets it through the broker, the path the baseline's INSERT + MQTT publish stands for.
      // What scenario 1 left for InnoDB to write back is written back before each series (bench/settle.ts).
      const settled: SettleReport[] = [];
      const settle = async () => {
        const report = await store.settle?.();
        if (report) settled.push(report);
      };
      await settle();
      const other = PROFILE === 'real' ? await startInstance({ MIGRATE_ON_START: 'false' }) : undefined;
      const e2e = await runWorker({
        kind: 'latency',
        url: app.url,
        remoteUrl: other?.url,
        tokens,
        channelId: channelIds[1],
        rate,
        total,
        warmup,
      }).finally(() => other?.stop());
      await settle();
      const insert = await runWorker({
        kind: 'raw-insert-rate',
        databaseUrl: store.rawDatabaseUrl,
        channelId: channelIds[1],
        rate,
        total,
        warmup,
      });
      await settle();
      const publish = await runWorker({
        kind: 'raw-mqtt-latency',
        mqttUrl,
        account: mqttAccount,
        topic: `${topicPrefix}/raw/latency`,
        rate,
        total,
        warmup,
      });
      const p99 = (r: Result) => percentile(r.latenciesMs, 99);
      results.latency = {
        ratePerSecond: rate,
        shareOfMeasuredSendRate: capacity ? LATENCY_LOAD : undefined,
        messages: total,
        endToEndP50Ms: round(percentile(e2e.latenciesMs, 50), 2),
        endToEndP99Ms: round(p99(e2e), 2),
        ...(e2e.remoteLatenciesMs && {
          acrossInstancesP50Ms: round(percentile(e2e.remoteLatenciesMs, 50), 2),
          acrossInstancesP99Ms: round(percentile(e2e.remoteLatenciesMs, 99), 2),
          acrossInstancesRatioP99: round(percentile(e2e.remoteLatenciesMs, 99) / (p99(insert) + p99(publish)), 2),
        }),
        sendAnswerP50Ms: round(percentile(e2e.answeredMs!, 50), 2),
        sendAnswerP99Ms: round(percentile(e2e.answeredMs!, 99), 2),
        rawInsertP50Ms: round(percentile(insert.latenciesMs, 50), 2),
        rawInsertP99Ms: round(p99(insert), 2),
        rawMqttP50Ms: round(percentile(publish.latenciesMs, 50), 2),
        rawMqttP99Ms: round(p99(publish), 2),
        ratioP99: round(p99(e2e) / (p99(insert) + p99(publish)), 2),
        target: 'p99 <= 2 x (raw INSERT p99 + raw MQTT p99)',
        ...(settled.length > 0 && { databaseSettledBeforeEachSeries: settled }),
      };
      process.stdout.write(`latency: ${JSON.stringify(results.latency)}\n`);
    }

    // 3. Fan-out to many graphql-ws subscribers on one channel, beside as many raw MQTT subscribers; 4. RSS per socket.
    if (SCENARIOS.has(3) || SCENARIOS.has(4)) {
      // The raw baselines' own Mosquitto: the system one may be limited to fewer connections than the largest fan-out.
      const rawBroker = await startRawBroker();
      const publisher = disableNagle(await mqtt.connectAsync(rawBroker.url));
      const rawTopic = `${topicPrefix}/raw/fanout`;
      const fanouts: Record<string, any>[] = [];
      for (const count of FANOUT) {
        let rss: { beforeBytes: number; afterBytes: number } | undefined;
        // With --expose-gc (npm run bench), garbage is collected before each reading, so the difference is what the
        // sockets hold, not what the collector has not reached yet.
        const settledRss = () => {
          (globalThis as { gc?: () => void }).gc?.();
          return process.memoryUsage().rss;
        };
        const before = settledRss();
        const graphql = await fanout(
          count,
          fanoutShares(count).map((share) => ({
            kind: 'fanout-graphql',
            url: app.url,
            tokens,
            channelId: channelIds[2],
            ...share,
          })),
          (key) => sendVia(channelIds[2], key),
          async () => {
            rss = { beforeBytes: before, afterBytes: settledRss() };
          },
        );
        const raw = await fanout(
          count,
          fanoutShares(count).map((share) => ({
            kind: 'fanout-mqtt',
            mqttUrl: rawBroker.url,
            topic: rawTopic,
            ...share,
          })),
          (key) =>
            publisher.publishAsync(rawTopic, JSON.stringify({ body: key, pad: ''.padEnd(300, ' ') }), { qos: 1 }),
        );
        const entry = {
          subscribers: count,
          graphqlMedianMs: graphql.medianMs,
          graphqlRoundsMs: graphql.roundsMs,
          rawMqttMedianMs: raw.medianMs,
          rawMqttRoundsMs: raw.roundsMs,
          ratio: round(graphql.medianMs / raw.medianMs, 2),
          target: '<= 2 x raw MQTT',
          // The server's CPU per subscriber reached (executing the selection, serialising, framing and writing).
          serverCpuPerDeliveryUs: graphql.cpuPerDeliveryUs,
          serverRssPerSocketKiB: rss ? round((rss.afterBytes - rss.beforeBytes) / count / 1024) : undefined,
        };
        fanouts.push(entry);
        process.stdout.write(`fan-out: ${JSON.stringify(entry)}\n`);
      }
      await publisher.endAsync();
      await rawBroker.stop();
      results.fanout = fanouts;
      if (FANOUT_CAP < Math.max(...ASKED_FANOUT)) {
        results.fanoutCapped = `asked ${Math.max(...ASKED_FANOUT)}, measured ${FANOUT_CAP}: the open-file limit is ${openFileLimit()}`;
        process.stdout.write(`fan-out capped: ${String(results.fanoutCapped)}\n`);
      }
      const largest = fanouts[fanouts.length - 1];
      results.connections = {
        sockets: largest.subscribers,
        serverRssPerSocketKiB: largest.serverRssPerSocketKiB,
        target: '<= 25 KiB per idle subscribed socket',
      };
    }

    if (SCENARIOS.has(7) && PROFILE === 'real') {
      // 7. Growth: scenario 1's HTTP load on the table as it is (the bench's own tens of thousands of messages), then
      // again with GROWTH_MESSAGES more stored (bench/growth.ts).
      const atZero = await measureSends('http', 'zero');
      const prefillStart = Date.now();
      await prefillMessages(sql, GROWTH_MESSAGES);
      const prefillSeconds = (Date.now() - prefillStart) / 1000;
      const grown = await measureSends('http', 'grown');
      const ratio = (at: number | undefined, zero: number | undefined) =>
        at === undefined || zero === undefined ? undefined : round(at / zero, 2);
      results.growth = {
        messages: GROWTH_MESSAGES,
        prefillSeconds: round(prefillSeconds),
        atZero,
        grown,
        serverCpuPerSendRatio: ratio(grown.serverCpuPerSendMs, atZero.serverCpuPerSendMs),
        databaseCpuPerSendRatio: ratio(grown.databaseCpuPerSendMs, atZero.databaseCpuPerSendMs),
        rateRatio: ratio(grown.storedPerSecond, atZero.storedPerSecond),
        target: 'cost per send with the messages <= 1.2 x without',
      };
      process.stdout.write(`growth: ${JSON.stringify(results.growth)}\n`);
    }

    if (SCENARIOS.has(5) || SCENARIOS.has(6)) {
      // 5. History: the newest page and a page at depth DEPTH of one channel.
      const deep = randomUUID();
      await em
        .getConnection()
        .execute(
          "insert into channels (id, name, kind, last_seq, created_at) values (?, 'deep', 'DEFAULT', ?, now(3))",
          [deep, DEPTH],
        );
      for (let start = 1; start <= DEPTH; start += 5000) {
        const rows = Array.from({ length: Math.min(5000, DEPTH - start + 1) }, (_, i) => ({
          id: randomUUID(),
          channel: deep,
          seq: start + i,
          kind: MessageKind.SYSTEM,
          body: `history ${start + i}`,
          createdAt: now,
          publishedAt: now,
        }));
        await em.createQueryBuilder(Message).insert(rows).execute();
      }
      const rounds = 200;
      const newest = await runWorker({
        kind: 'history',
        url: app.url,
        token: tokens[0],
        channelId: deep,
        before: null,
        rounds,
      });
      const depth = await runWorker({
        kind: 'history',
        url: app.url,
        token: tokens[0],
        channelId: deep,
        before: encodeCursor(deep, 51),
        rounds,
      });
      results.history = {
        depth: DEPTH,
        newestP50Ms: round(percentile(newest.latenciesMs, 50), 2),
        deepP50Ms: round(percentile(depth.latenciesMs, 50), 2),
        ratio: round(percentile(depth.latenciesMs, 50) / percentile(newest.latenciesMs, 50), 2),
        target: '<= 1.5',
      };
      process.stdout.write(`history: ${JSON.stringify(results.history)}\n`);

      // 6. Resume: afterSeq replay of the 1,000 newest messages, beside paging the same 1,000 (10 pages of 100).
      if (SCENARIOS.has(6)) {
        const replayMs: number[] = [];
        const pagingMs: number[] = [];
        for (let i = 0; i < 5; i++) {
          const replay = await runWorker({
            kind: 'resume',
            url: app.url,
            token: tokens[0],
            channelId: deep,
            afterSeq: DEPTH - 1000,
            count: 1000,
          });
          replayMs.push(replay.seconds * 1000);
          const paged = await runWorker({
            kind: 'page',
            url: app.url,
            token: tokens[0],
            channelId: deep,
            before: encodeCursor(deep, DEPTH + 1),
            pages: 10,
            pageSize: 100,
          });
          if (paged.count !== 1000) throw new Error(`paging read ${paged.count} messages`);
          pagingMs.push(paged.seconds * 1000);
        }
        results.resume = {
          messages: 1000,
          replayMedianMs: round(median(replayMs)),
          pagingMedianMs: round(median(pagingMs)),
          ratio: round(median(replayMs) / median(pagingMs), 2),
          target: 'replay faster than paging (< 1)',
        };
        process.stdout.write(`resume: ${JSON.stringify(results.resume)}\n`);
      }
    }
  } finally {
    await app.stop();
    await store.drop();
  }
  const summary = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
    },
    profile: PROFILE,
    database: store.settings,
    results,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
