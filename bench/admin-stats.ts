/**
 * `npm run bench:admin-stats`: the operations page's query (`adminStats`) on a messages table of BENCH_ADMIN_MESSAGES
 * (1,000,000) USER messages spread over the last 30 days in 100 channels, on MySQL/MariaDB at BENCH_DATABASE_URL,
 * beside, in the same run: the floor request (`{ __typename }`) through the same server, and the naive way to draw
 * the same charts (the same counts grouped straight from `messages`), as raw SQL.
 *
 * Reported: the first request (which rolls up the 720 closed hours of the window once), the steady state (each hour
 * rolled up once, the newest counted live), and the naive queries.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { createConnection } from 'mysql2/promise';
import pino from 'pino';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Message, MessageKind, Session, User } from '../src/entities';
import { defaultChannelId } from '../src/services/channel.service';
import { now, postGraphql } from './load-worker';

const env = process.env;
const SERVER_URL = env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const MQTT_URL = env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const MESSAGES = Number(env.BENCH_ADMIN_MESSAGES ?? 1_000_000);
const CHANNELS = 100;
const USERS = 1000;
const ROUNDS = 30;
const DAY = 86_400_000;
const ADMIN = 'bench-admin@example.com';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
const round = (n: number) => Math.round(n * 100) / 100;

/** Milliseconds per call of `work`, `rounds` times in a row. */
async function timed(rounds: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = now();
    await work();
    times.push(now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const name = `chat_bench_admin_${Date.now().toString(36)}`;
  const server = await createConnection(SERVER_URL);
  await server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
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
      ADMIN_EMAILS: ADMIN,
    }),
    { logger: pino({ level: 'warn' }) },
  );
  const raw = await createConnection(databaseUrl.toString());
  try {
    const em = app.orm.em.fork() as SqlEntityManager;
    const start = new Date();
    const users = Array.from({ length: USERS }, (_, i) =>
      em.create(User, { email: `bench-${i}@example.com`, displayName: `bench${i}`, createdAt: start }),
    );
    const admin = em.create(User, { email: ADMIN, displayName: 'admin', createdAt: start });
    const token = randomBytes(32).toString('base64url');
    em.create(Session, {
      user: admin,
      tokenHash: createHash('sha256').update(token).digest('hex'),
      createdAt: start,
      expiresAt: new Date(start.getTime() + DAY),
    });
    await em.flush();

    // The history: USER messages at random times of the last 30 days, in 100 channels, by 1,000 senders.
    const seeding = now();
    const channelIds = channelNames.map(defaultChannelId);
    const seqs = new Map(channelIds.map((id) => [id, 1]));
    for (let done = 0; done < MESSAGES; done += 5000) {
      const rows = Array.from({ length: Math.min(5000, MESSAGES - done) }, (_, i) => {
        const channel = channelIds[(done + i) % CHANNELS];
        const seq = seqs.get(channel)! + 1;
        seqs.set(channel, seq);
        const createdAt = new Date(start.getTime() - Math.random() * 30 * DAY);
        return {
          id: randomUUID(),
          channel,
          seq,
          kind: MessageKind.USER,
          body: `message ${done + i}`,
          sender: users[(done + i) % USERS].id,
          createdAt,
          publishedAt: createdAt,
        };
      });
      await em.createQueryBuilder(Message).insert(rows).execute();
    }
    for (const [id, seq] of seqs) await raw.query('update channels set last_seq = ? where id = ?', [seq, id]);
    // 300 active users a day.
    const active = Array.from({ length: 30 }, (_, d) =>
      Array.from({ length: 300 }, (_, i) => [
        new Date(start.getTime() - d * DAY).toISOString().slice(0, 10),
        users[(d * 7 + i) % USERS].id,
      ]),
    ).flat();
    await raw.query('insert ignore into active_user_days (day, user_id) values ?', [active]);
    await raw.query('analyze table messages, message_hours, channel_message_days, active_user_days');
    const seededMs = now() - seeding;

    const ask = async () => {
      const res = await postGraphql(
        app.url,
        token,
        '{ adminStats { generatedAt messagesPerDay { count } busiestChannels { messages } dailyActiveUsers { count } messagesPerHour { count } relayLagSeconds passSales { passes } } }',
      );
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res;
    };
    const [first] = await timed(1, ask);
    const steady = await timed(ROUNDS, ask);
    const floor = await timed(ROUNDS, () => postGraphql(app.url, undefined, '{ __typename }'));
    const since = new Date(start.getTime() - 30 * DAY);
    const naive = await timed(5, async () => {
      await raw.query(
        "select date(created_at) d, count(*) n from messages where created_at >= ? and kind = 'USER' group by d",
        [since],
      );
      await raw.query(
        "select hour(created_at) h, count(*) n from messages where created_at >= ? and kind = 'USER' group by date(created_at), h",
        [new Date(start.getTime() - 2 * DAY)],
      );
      await raw.query(
        "select channel_id, count(*) n from messages where created_at >= ? and kind = 'USER' group by channel_id order by n desc limit 10",
        [new Date(start.getTime() - 7 * DAY)],
      );
    });
    const [[sizes]] = (await raw.query(
      `select (select count(*) from messages) messages, (select count(*) from message_hours) hours,
              (select count(*) from channel_message_days) channelDays, @@innodb_buffer_pool_size pool, version() version`,
    )) as unknown as [Record<string, unknown>[]];
    console.log(
      JSON.stringify(
        {
          machine: { database: sizes.version, bufferPoolBytes: Number(sizes.pool) },
          rows: {
            messages: Number(sizes.messages),
            messageHours: Number(sizes.hours),
            channelMessageDays: Number(sizes.channelDays),
          },
          seededSeconds: round(seededMs / 1000),
          adminStats: {
            firstMs: round(first),
            steadyMedianMs: round(median(steady)),
            steadyP95Ms: round(p95(steady)),
          },
          floorRequest: { medianMs: round(median(floor)) },
          naiveGroupByOnMessages: { medianMs: round(median(naive)) },
          ratios: {
            steadyToFloor: round(median(steady) / median(floor)),
            naiveToSteady: round(median(naive) / median(steady)),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await raw.end();
    await app.stop();
    await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await server.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
