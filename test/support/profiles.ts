import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/**
 * The two storage profiles every integration test runs on:
 * - embedded: a SQLite file and the in-process Aedes broker (what `npm start` uses);
 * - real: MySQL/MariaDB at TEST_DATABASE_URL and Mosquitto at TEST_MQTT_URL.
 *
 * Without those variables the real profile is skipped with a printed notice; with REQUIRE_SERVICES=1 their
 * absence fails the run instead.
 */
export interface Profile {
  readonly name: 'embedded' | 'real';
  /** A new, empty database of its own; `drop` removes it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** The external broker, or undefined to start the embedded one. */
  readonly mqttUrl: string | undefined;
}

const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

const embedded: Profile = {
  name: 'embedded',
  mqttUrl: undefined,
  createDatabase: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-test-'));
    return { url: `file:${join(dir, 'chat.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function realProfile(databaseUrl: string, mqttUrl: string): Profile {
  // Each test server gets a database of its own beside the one named in TEST_DATABASE_URL.
  const serverUrl = new URL(databaseUrl);
  return {
    name: 'real',
    mqttUrl,
    createDatabase: async () => {
      const name = uniqueName('chat_test');
      const admin = await createConnection(serverUrl.toString());
      try {
        await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      } finally {
        await admin.end();
      }
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          const conn = await createConnection(serverUrl.toString());
          try {
            await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
          } finally {
            await conn.end();
          }
        },
      };
    },
  };
}

function loadProfiles(): Profile[] {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const mqttUrl = process.env.TEST_MQTT_URL;
  if (databaseUrl && mqttUrl) return [embedded, realProfile(databaseUrl, mqttUrl)];
  const missing = [!databaseUrl && 'TEST_DATABASE_URL', !mqttUrl && 'TEST_MQTT_URL'].filter(Boolean).join(' and ');
  if (process.env.REQUIRE_SERVICES === '1') {
    throw new Error(`REQUIRE_SERVICES=1 but ${missing} is not set: the real profile (MySQL + Mosquitto) must run.`);
  }
  process.stdout.write(`NOTICE: real profile (MySQL + Mosquitto) skipped: ${missing} not set.\n`);
  return [embedded];
}

export const profiles: Profile[] = loadProfiles();

/** For `describe.each`: one row per profile, named. */
export const eachProfile = profiles.map((p) => [p.name, p] as const);

/**
 * `describe.each` over the real profile only, for what the embedded profile cannot do by design (several
 * instances, external brokers). Without the real profile the block is reported as skipped, with the reason.
 */
export const describeReal = (title: string, body: (name: string, profile: Profile) => void) => {
  const real = eachProfile.filter(([name]) => name === 'real');
  if (real.length) describe.each(real)(title, body);
  else
    describe.skip(`${title.replace('%s', 'real')} (needs TEST_DATABASE_URL and TEST_MQTT_URL)`, () =>
      it.todo('runs on the real profile'));
};
