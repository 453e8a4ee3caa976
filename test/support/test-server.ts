import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { TestClock } from './clock';
import type { Profile } from './profiles';

export interface TestServerOptions {
  /** Extra environment for loadConfig (DATABASE_URL, MQTT_URL and the like are set by the profile). */
  env?: Record<string, string>;
  clock?: TestClock;
  /** Share another server's database (several instances on one database). */
  databaseUrl?: string;
  /** Share another server's topic prefix (several instances on one broker). */
  topicPrefix?: string;
  sessionCheckMs?: number;
  resolverTimeoutMs?: number;
  relay?: AppOptions['relay'];
  live?: AppOptions['live'];
  dynsec?: AppOptions['dynsec'];
}

/** A server started for a test on free ports with its own database and topic prefix, plus what it logged. */
export interface TestServer {
  app: App;
  url: string;
  databaseUrl: string;
  topicPrefix: string;
  /** Every log line the server wrote, as text. */
  logs: string[];
  /** Stops the server (its database stays) and, on `start()`, runs it again on the same address and database. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port, database and topic prefix; `app` is the new instance. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a server on a profile. Each call gets a new database (dropped on stop) unless `databaseUrl` is given,
 * and a unique MQTT topic prefix unless `topicPrefix` is given, so test runs never see each other's traffic.
 */
export async function startTestServer(profile: Profile, options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.databaseUrl ? undefined : await profile.createDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  const topicPrefix = options.topicPrefix ?? `t${randomBytes(6).toString('hex')}`;
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const boot = (port: string) =>
    startApp(
      loadConfig({
        NODE_ENV: 'test',
        PORT: port,
        HOST: '127.0.0.1',
        MQTT_EMBEDDED_PORT: '0',
        DATABASE_URL: databaseUrl,
        MQTT_TOPIC_PREFIX: topicPrefix,
        ...(profile.mqttUrl ? { MQTT_URL: profile.mqttUrl } : {}),
        ...options.env,
      }),
      {
        logger,
        clock: options.clock?.now,
        sessionCheckMs: options.sessionCheckMs,
        resolverTimeoutMs: options.resolverTimeoutMs,
        relay: options.relay,
        live: options.live,
        dynsec: options.dynsec,
      },
    );
  let app: App | undefined;
  try {
    app = await boot(options.env?.PORT ?? '0');
  } catch (error) {
    await database?.drop();
    throw error;
  }
  const port = new URL(app.url).port;
  const server: TestServer = {
    app,
    url: app.url,
    databaseUrl,
    topicPrefix,
    logs,
    halt: async () => {
      const running = app;
      app = undefined;
      await running?.stop();
    },
    start: async () => {
      if (app) throw new Error('the test server is running');
      app = server.app = await boot(port);
    },
    stop: async () => {
      await server.halt();
      await database?.drop();
    },
  };
  return server;
}
