/**
 * `npm run bench:cluster`: send throughput and fan-out on the 3×3×3 cluster of README "Running more than one of
 * everything" (3 MariaDB Galera nodes, 3 RabbitMQ nodes, 3 server instances, each instance on its own node of each,
 * MQTT_ACCESS_CONTROL=http), beside the single-node real profile (one instance on the MariaDB at BENCH_DATABASE_URL
 * and the Mosquitto at BENCH_MQTT_URL), in the same run, with the same load, and each beside its raw INSERT rate.
 *
 * Every instance is a process of its own (dist/src/main.js), in both topologies; load comes from other processes.
 * On one host, the cluster's nine servers share the cores one instance and two services had: the ratios show what
 * the cluster costs per message, not what it carries on nine hosts.
 *
 * BENCH_SENDS (3000) sends by 32 closed-loop senders over HTTP on 8 channels, spread over the instances, each with a
 * graphql-ws subscriber on every channel that must receive every send; BENCH_FANOUT (1000) graphql-ws subscribers
 * of one channel, spread over the instances, one message sent through the first instance, timed to the last receipt.
 * BENCH_TOPOLOGIES=single or =cluster runs one of the two.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { MikroORM } from '@mikro-orm/mysql';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../src/config';
import { ormOptions } from '../src/mikro-orm.config';
import { defaultChannelId } from '../src/services/channel.service';
import { TestGalera } from '../test/support/galera';
import { freePort } from '../test/support/mosquitto';
import { TestRabbitCluster } from '../test/support/rabbitmq-cluster';
import { ServerProcess } from '../test/support/server-process';
import { fanout, fanoutShares, percentile, round, runTogether } from './harness';
import { postGraphql } from './load-worker';
import { benchSessions } from './sessions';

const env = process.env;
const SERVER_URL = env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/';
const MQTT_URL = env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SENDS = Number(env.BENCH_SENDS ?? 3000);
const FANOUT = Number(env.BENCH_FANOUT ?? 1000);
const CONCURRENCY = 32;
const USERS = 1000;
const CHANNEL_NAMES = Array.from({ length: 8 }, (_, i) => `bench-${i}`);
const CHANNEL_IDS = CHANNEL_NAMES.map(defaultChannelId);
const TOKEN = randomBytes(24).toString('hex');
const progress = (line: string) => process.stderr.write(`bench:cluster: ${line}\n`);

interface Topology {
  name: string;
  instances: ServerProcess[];
  /** The database as each instance reaches it (for the raw baseline: one writer per instance's node). */
  databaseUrls: string[];
  /** Runs a query on `messages` that sees every acknowledged write (on Galera: a causal read). */
  read(sql: string): Promise<any[]>;
  stop(): Promise<void>;
}

/** What every instance runs with, in both topologies. */
const instanceEnv = (extra: Record<string, string>) => ({
  NODE_ENV: 'development',
  LOG_LEVEL: 'info', // ServerProcess waits for the "listening" line
  WEB_APP: '0',
  DEFAULT_CHANNELS: CHANNEL_NAMES.join(','),
  MQTT_TOPIC_PREFIX: 'bench',
  // All the load comes from 127.0.0.1: the per-address limits would refuse the fan-out's sockets.
  MAX_SOCKETS_PER_ADDRESS: String(FANOUT + 100),
  ...extra,
});

async function single(): Promise<Topology> {
  const database = `chat_bench_${Date.now().toString(36)}`;
  const admin = await createConnection({ uri: SERVER_URL });
  await admin.query(`create database ${database} character set utf8mb4 collate utf8mb4_unicode_ci`);
  const server = new ServerProcess(
    await freePort(),
    instanceEnv({ DATABASE_URL: `${SERVER_URL}${database}`, MQTT_URL }),
  );
  await server.start();
  return {
    name: 'single node (MariaDB + Mosquitto, 1 instance)',
    instances: [server],
    databaseUrls: [`${SERVER_URL}${database}`],
    read: async (sql) => (await admin.query(sql.replace(/\bmessages\b/, `${database}.messages`)))[0] as any[],
    stop: async () => {
      await server.stop();
      await admin.query(`drop database ${database}`);
      await admin.end();
    },
  };
}

async function cluster(): Promise<Topology> {
  const galera = await TestGalera.start(3);
  let rabbit: TestRabbitCluster | undefined;
  const instances: ServerProcess[] = [];
  const stop = async () => {
    for (const server of instances) await server.stop();
    await rabbit?.stop();
    await galera.stop();
  };
  try {
    await galera.query(0, 'CREATE DATABASE chat_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    const ports = [await freePort(), await freePort(), await freePort()];
    rabbit = await TestRabbitCluster.start(
      ports.map((port) => `http://broker:${TOKEN}@127.0.0.1:${port}/mqtt/auth/rabbitmq`),
    );
    await startInstances(rabbit, galera, ports, instances);
  } catch (error) {
    await stop(); // nothing started is left running
    throw error;
  }
  return {
    name: 'cluster (3 Galera nodes, 3 RabbitMQ nodes, 3 instances)',
    instances,
    databaseUrls: [0, 1, 2].map((i) => galera.url(i, 'chat_bench')),
    read: (sql) => galera.readCausally(0, `${sql}`.replace(/\bmessages\b/, 'chat_bench.messages')),
    stop,
  };
}

/** Instance i on Galera node i and RabbitMQ node i first (the first one migrates); pushed to `instances` as they start. */
async function startInstances(
  rabbit: TestRabbitCluster,
  galera: TestGalera,
  ports: number[],
  instances: ServerProcess[],
) {
  for (const [i, port] of ports.entries()) {
    const server = new ServerProcess(
      port,
      instanceEnv({
        DATABASE_URL: galera.url(i, 'chat_bench'),
        MQTT_URL: [0, 1, 2].map((k) => rabbit.mqttUrl((i + k) % 3)).join(','),
        MQTT_ACCESS_CONTROL: 'http',
        MQTT_AUTH_TOKEN: TOKEN,
        MQTT_MANAGEMENT_URL: rabbit.managementUrl(i),
      }),
    );
    await server.start();
    instances.push(server);
  }
}

/** Signed-in users for the load, written straight to the database (through the first instance's node). */
async function seedSessions(databaseUrl: string): Promise<string[]> {
  const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: databaseUrl }).database));
  try {
    return await benchSessions(orm.em.fork(), USERS);
  } finally {
    await orm.close();
  }
}

/** `total` split into `parts` whole shares. */
const split = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

/** What the database and the instances' metrics say about the sends, for a failure's message. */
async function state(topology: Topology): Promise<string> {
  const lines: string[] = [];
  const rows = await topology.read(
    "select count(*) as stored, sum(published_at is null) as unpublished from messages where client_message_id like 'b-%'",
  );
  lines.push(`database: ${JSON.stringify(rows)}`);
  for (const [i, server] of topology.instances.entries()) {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const wanted = metrics
      .split('\n')
      .filter((l) =>
        /^chat_(messages_published|relay_lag|subscription_deliveries|active_subscriptions|websocket)/.test(l),
      );
    lines.push(`instance ${i}: ${wanted.join('; ')}`);
  }
  return lines.join('\n');
}

async function measure(topology: Topology) {
  const { instances } = topology;
  const tokens = await seedSessions(topology.databaseUrls[0]);
  const k = instances.length;

  // Send throughput: the senders spread over the instances (each with its own users), starting together; every
  // instance's subscriber must receive every send, whichever instance stored it.
  const shares = split(SENDS, k);
  const concurrency = split(CONCURRENCY, k);
  const perInstance = Math.floor(USERS / k);
  const sent = await runTogether(
    instances.map((server, i) => ({
      kind: 'send' as const,
      url: server.url,
      tokens: tokens.slice(i * perInstance, (i + 1) * perInstance),
      channelIds: CHANNEL_IDS,
      concurrency: concurrency[i],
      total: shares[i],
      expectDelivered: SENDS,
      startOnSignal: true,
    })),
  ).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\n${await state(topology)}`);
  });

  // Every acknowledged send must be stored: a bench that counted lost sends as throughput would measure a bug.
  const [{ stored }] = (await topology.read(
    "select count(*) as stored from messages where client_message_id like 'b-%'",
  )) as { stored: number }[];
  if (Number(stored) !== SENDS) throw new Error(`${topology.name}: ${SENDS} sends acknowledged, ${stored} stored`);
  const seconds = Math.max(...sent.map((r) => r.seconds));
  const latencies = sent.flatMap((r) => r.latenciesMs);
  const send = {
    messages: SENDS,
    storedPerSecond: round(SENDS / seconds),
    deliveredToEverySubscriberPerSecond: round(SENDS / Math.max(...sent.map((r) => r.deliveredSeconds!))),
    sendP50Ms: round(percentile(latencies, 50), 2),
    sendP99Ms: round(percentile(latencies, 99), 2),
    retriedAfterUnavailable: sent.reduce((n, r) => n + (r.retries ?? 0), 0),
  };
  progress(`${topology.name}: send ${JSON.stringify(send)}`);

  // The raw baseline: autocommit INSERTs of the same rows straight through mysql2, 32 connections spread over the
  // nodes the instances use (one database in the single topology).
  const raw = await createConnection({ uri: topology.databaseUrls[0] });
  await raw.query('create table bench_raw_messages like messages');
  await raw.end();
  const rawResults = await runTogether(
    topology.databaseUrls.map((databaseUrl, i) => ({
      kind: 'raw-insert' as const,
      databaseUrl,
      channelIds: CHANNEL_IDS,
      concurrency: concurrency[i],
      total: shares[i],
      offset: i * SENDS,
    })),
  );
  const rawPerSecond = SENDS / Math.max(...rawResults.map((r) => r.seconds));
  progress(`${topology.name}: raw INSERT ${round(rawPerSecond)}/s`);

  // Fan-out: FANOUT subscribers of one channel spread over the instances, the message sent through the first.
  const channelId = CHANNEL_IDS[2];
  const jobs = instances.flatMap((server, i) =>
    fanoutShares(split(FANOUT, k)[i]).map((share) => ({
      kind: 'fanout-graphql' as const,
      url: server.url,
      tokens,
      channelId,
      count: share.count,
    })),
  );
  let turn = 0;
  const fan = await fanout(FANOUT, jobs, async (key) => {
    const answer = await postGraphql(
      instances[0].url,
      tokens[turn++ % tokens.length],
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
      { input: { channelId, body: key, clientMessageId: randomUUID() } },
    );
    if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  });
  progress(`${topology.name}: fan-out to ${FANOUT} ${JSON.stringify(fan)}`);
  return { send, rawInsertPerSecond: round(rawPerSecond), fanout: { subscribers: FANOUT, ...fan } };
}

async function main(): Promise<void> {
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  const topologies = (env.BENCH_TOPOLOGIES ?? 'single,cluster').split(',');
  for (const start of [single, cluster].filter((t) => topologies.includes(t.name))) {
    const topology = await start();
    progress(`${topology.name} is up`);
    try {
      results[topology.name] = await measure(topology);
    } catch (error) {
      for (const [i, server] of topology.instances.entries()) {
        const problems = server.logs.filter((line) => /"level":(40|50|60)|MQTT broker/.test(line)).slice(-12);
        if (problems.length > 0)
          progress(`instance ${i}'s last warnings:\n${problems.map((l) => l.slice(0, 400)).join('\n')}`);
      }
      throw error;
    } finally {
      await topology.stop();
    }
  }
  const [one, three] = Object.values(results);
  const ratio = (of: (r: typeof one) => number) => (one && three ? round(of(three) / of(one), 2) : undefined);
  const summary = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30) },
    node: process.version,
    results,
    clusterToSingle: {
      storedPerSecond: ratio((r) => r.send.storedPerSecond),
      sendP50: ratio((r) => r.send.sendP50Ms),
      rawInsertPerSecond: ratio((r) => r.rawInsertPerSecond),
      fanoutMedian: ratio((r) => r.fanout.medianMs),
    },
    note: 'one host: the cluster shares the cores of the single topology; these ratios are its cost, not its capacity',
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
