import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

describe('docker-compose.yml', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
  const compose = parse(text);
  /** The secrets an operator gives compose (`${NAME:?…}` has no default: compose refuses to start without them). */
  const secrets: Record<string, string> = {
    AUTH_SECRET: 'q7Xv2LmP9sRt4WzK8nBc1HdF6gJy3UeA',
    MQTT_ADMIN_PASSWORD: 'Zt8-wQ3e_Rk5mN1pX9vB',
  };
  const environment = Object.fromEntries(
    Object.entries(compose.services.server.environment as Record<string, string>).map(([k, v]) => [
      k,
      v.replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => secrets[name]),
    ]),
  );

  it('takes every secret from the environment, with no default to fall back on', () => {
    const required = [...text.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(Object.keys(secrets)));
    expect(compose.services.server.environment.AUTH_SECRET).toMatch(/^\$\{AUTH_SECRET:\?/);
    expect(compose.services.server.environment.MQTT_PASSWORD).toMatch(/^\$\{MQTT_ADMIN_PASSWORD:\?/);
    // The same configuration is accepted in production, where published secrets are refused.
    expect(loadConfig({ ...environment, NODE_ENV: 'production' }).production).toBe(true);
  });

  it('publishes every port on loopback only', () => {
    const ports = Object.values(compose.services as Record<string, { ports?: string[] }>).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('sets only variables that src/config.ts reads', () => {
    expect(Object.keys(environment).filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
  });

  it('sets values that config.ts accepts, on MySQL and an external broker', () => {
    const config = loadConfig(environment);
    expect(config.database.embedded).toBe(false);
    expect(config.mqtt.url).toBe('mqtt://mosquitto:1883');
    expect(config.mail.smtpUrl).toBe('smtp://mailpit:1025');
  });

  it('uses the images the deployment targets', () => {
    expect(compose.services.mysql.image).toBe('mysql:8.4');
    expect(compose.services.mosquitto.image).toBe('eclipse-mosquitto:2');
    expect(compose.services.mailpit.image).toBe('axllent/mailpit');
  });
});
