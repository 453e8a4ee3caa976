/**
 * `npm run bench`: measures the server beside the raw limits of the parts it is built on, in the same run.
 * Real profile: MySQL/MariaDB at BENCH_DATABASE_URL (a server URL; a database is created and dropped) and the
 * broker at BENCH_MQTT_URL. Load comes from separate processes over loopback (bench/load-worker.ts).
 *
 * Scenarios measured so far: 1 (send throughput vs raw INSERT) and 5 (history page at the newest end and deep in a
 * long channel). The others of the benchmark issue are not built yet.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { createConnection } from 'mysql2/promise';
import pino from 'pino';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Message, MessageKind, Session, User } from '../src/entities';
import { defaultChannelId } from '../src/services/channel.service';
import { encodeCursor } from '../src/services/cursor';
import type { Job, Result } from './load-worker';

const env = process.env;
const SERVER_URL = env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const MQTT_URL = env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SENDS = Number(env.BENCH_SENDS ?? 6000);
const DEPTH = Number(env.BENCH_HISTORY_DEPTH ?? 1_000_000);
const CONCURRENCY = 32;
const CHANNELS = 8;
const USERS = 1000; // the contract's 30 sends per 10 s per user: load is spread over many users

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function runWorker(job: Job): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'load-worker.js'));
    child.once('message', (message: { ok: boolean; result?: Result; error?: string }) =>
      message.ok ? resolve(message.result!) : reject(new Error(message.error)),
    );
    child.once('error', reject);
    child.send(job);
  });
}

async function main(): Promise<void> {
  const name = `chat_bench_${Date.now().toString(36)}`;
  const admin = await createConnection(SERVER_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const [[settings]] = (await admin.query(
    'select version() as version, @@innodb_flush_log_at_trx_commit as flush, @@innodb_buffer_pool_size as pool',
  )) as unknown as [{ version: string; flush: number; pool: number }[]];
  const databaseUrl = new URL(SERVER_URL);
  databaseUrl.pathname = `/${name}`;
  const channelNames = Array.from({ length: CHANNELS }, (_, i) => `bench-${i}`);
  const app = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl.toString(),
      MQTT_URL,
      MQTT_TOPIC_PREFIX: `bench${randomBytes(4).toString('hex')}`,
      DEFAULT_CHANNELS: channelNames.join(','),
    }),
    { logger: pino({ level: 'warn' }) },
  );
  const results: Record<string, unknown> = {};
  try {
    const em = app.orm.em.fork() as SqlEntityManager;
    const now = new Date();
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const token = randomBytes(32).toString('base64url');
      tokens.push(token);
      const user = em.create(User, { email: `bench-${i}@example.com`, displayName: `bench${i}`, createdAt: now });
      em.create(Session, {
        user,
        tokenHash: createHash('sha256').update(token).digest('hex'),
        createdAt: now,
        expiresAt: new Date(now.getTime() + 86_400_000),
      });
    }
    await em.flush();
    const channelIds = channelNames.map(defaultChannelId);

    // 1. Send throughput: stored and published, 32 concurrent senders over HTTP on 8 channels, beside raw INSERTs.
    const sendStart = Date.now();
    const sent = await runWorker({
      kind: 'send',
      url: app.url,
      tokens,
      channelIds,
      concurrency: CONCURRENCY,
      total: SENDS,
    });
    for (;;) {
      const [row] = await em
        .getConnection()
        .execute<{ n: number }[]>('select count(*) as n from messages where published_at is null');
      if (Number(row.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const storedAndPublished = SENDS / ((Date.now() - sendStart) / 1000);
    await em.getConnection().execute('create table bench_raw_messages like messages');
    const raw = await runWorker({
      kind: 'raw-insert',
      databaseUrl: databaseUrl.toString(),
      channelIds,
      concurrency: CONCURRENCY,
      total: SENDS,
    });
    results.sendThroughput = {
      messages: SENDS,
      storedPerSecond: round(sent.count / sent.seconds),
      storedAndPublishedPerSecond: round(storedAndPublished),
      sendP50Ms: round(percentile(sent.latenciesMs, 50)),
      sendP99Ms: round(percentile(sent.latenciesMs, 99)),
      rawInsertPerSecond: round(raw.count / raw.seconds),
      rawInsertP50Ms: round(percentile(raw.latenciesMs, 50)),
      ratioToRaw: round(sent.count / sent.seconds / (raw.count / raw.seconds), 2),
      target: '>= 0.5 of raw',
    };
    process.stdout.write(`send throughput: ${JSON.stringify(results.sendThroughput)}\n`);

    // 5. History: the newest page and a page at depth DEPTH of one channel.
    const deep = randomUUID();
    await em
      .getConnection()
      .execute("insert into channels (id, name, kind, last_seq, created_at) values (?, 'deep', 'DEFAULT', ?, now(3))", [
        deep,
        DEPTH,
      ]);
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
  } finally {
    await app.stop();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
  const summary = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
    },
    database: {
      version: settings.version,
      innodbFlushLogAtTrxCommit: Number(settings.flush),
      bufferPoolBytes: Number(settings.pool),
    },
    results,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
