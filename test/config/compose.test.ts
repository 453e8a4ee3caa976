import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'));
  const environment = compose.services.server.environment as Record<string, string>;

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
