import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'mysql://u:p@db:3306/chat',
  MQTT_URL: 'mqtt://broker:1883',
  MQTT_ACCESS_CONTROL: 'dynsec',
  MQTT_USERNAME: 'chat-admin',
  MQTT_PASSWORD: 'Zt8-wQ3e_Rk5mN1pX9vB',
  SMTP_URL: 'smtp://mail:25',
  AUTH_SECRET: 'q7Xv2LmP9sRt4WzK8nBc1HdF6gJy3UeA',
};

describe('config', () => {
  it('starts with no variables at all on the embedded defaults', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ port: 4000, host: '0.0.0.0', publicUrl: undefined, trustProxy: false });
    expect(config.database).toEqual({ url: 'file:./data/chat.sqlite', embedded: true, migrateOnStart: true });
    expect(config.mqtt).toMatchObject({
      url: undefined,
      accessControl: 'none',
      topicPrefix: 'chat',
      embeddedPort: 1884,
    });
    expect(config.mail).toEqual({ smtpUrl: undefined, from: 'Chat <no-reply@localhost>' });
    expect(config.auth).toMatchObject({ sessionTtlDays: 30, loginCodesPerAddressPerHour: 30 });
    expect(config.logLevel).toBe('info');
  });

  it('takes PUBLIC_URL without its trailing slash, and accepts MySQL URLs', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://chat.example.com/',
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/chat',
    });
    expect(config.http.publicUrl).toBe('https://chat.example.com');
    expect(config.database.embedded).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'postgres://localhost/chat'],
    ['MQTT_URL', 'http://broker'],
    ['MQTT_ACCESS_CONTROL', 'acl'],
    ['MQTT_TOPIC_PREFIX', 'a/b'],
    ['MQTT_EMBEDDED_PORT', '-1'],
    ['SMTP_URL', 'mail.example.com'],
    ['SESSION_TTL_DAYS', '0'],
    ['SESSION_TTL_DAYS', '3651'],
    ['SESSION_CACHE_SECONDS', '-1'],
    ['SESSION_CACHE_SECONDS', '3601'],
    ['LOGIN_CODES_PER_ADDRESS_PER_HOUR', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['MIGRATE_ON_START', 'maybe'],
    ['AUTH_SECRET', 'short'],
    ['PUBLIC_URL', 'ftp://x'],
  ])('stops on a bad %s (%j) with a message naming it', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it('takes SESSION_TTL_DAYS up to ten years', () => {
    expect(loadConfig({ SESSION_TTL_DAYS: '3650' }).auth.sessionTtlDays).toBe(3650);
  });

  it('caches sessions for 30 s by default, for up to an hour, or not at all with SESSION_CACHE_SECONDS=0', () => {
    expect(loadConfig({}).auth.sessionCacheSeconds).toBe(30);
    expect(loadConfig({ SESSION_CACHE_SECONDS: '0' }).auth.sessionCacheSeconds).toBe(0);
    expect(loadConfig({ SESSION_CACHE_SECONDS: '3600' }).auth.sessionCacheSeconds).toBe(3600);
  });

  it('reads DEFAULT_CHANNELS as a comma-separated list, general by default', () => {
    expect(loadConfig({}).channels.defaults).toEqual(['general']);
    expect(loadConfig({ DEFAULT_CHANNELS: 'general, random ,general' }).channels.defaults).toEqual([
      'general',
      'random',
    ]);
    expect(() => loadConfig({ DEFAULT_CHANNELS: 'ok,,x' })).toThrow(/^DEFAULT_CHANNELS: /);
    expect(() => loadConfig({ DEFAULT_CHANNELS: 'x'.repeat(65) })).toThrow(/^DEFAULT_CHANNELS: /);
  });

  it('serves the web page outside production by default, and in production only when WEB_APP turns it on', () => {
    expect(loadConfig({}).webApp).toEqual({ enabled: true, dir: 'dist/web' });
    expect(loadConfig({ WEB_APP: '0' }).webApp.enabled).toBe(false);
    const production = {
      NODE_ENV: 'production',
      ALLOW_EMBEDDED: '1',
      SMTP_URL: 'smtp://x',
      AUTH_SECRET: 'q7Xv2LmP9sRt4WzK8nBc1HdF6gJy3UeA',
    };
    expect(loadConfig(production).webApp.enabled).toBe(false);
    expect(loadConfig({ ...production, WEB_APP: 'true' }).webApp.enabled).toBe(true);
    expect(() => loadConfig({ WEB_APP: 'maybe' })).toThrow(/^WEB_APP: /);
  });

  it('reads TRUST_PROXY as Express does: booleans, hop counts, address lists', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({}).http.trustProxy).toBe(false);
  });

  it('accepts a complete production configuration', () => {
    expect(loadConfig(production).production).toBe(true);
  });

  it.each([
    ['the development default', 'development-only-secret-do-not-use-in-production'],
    ["docker-compose's old placeholder", 'change-me-to-a-long-random-string-of-32-chars-or-more'],
    ['a placeholder', 'CHANGEME-0123456789-abcdefghijklmnop'],
    ['a secret of one repeated character', 's'.repeat(40)],
    ['a secret of few characters', 'abababababababababababababababab'],
  ])('refuses %s as AUTH_SECRET in production', (_what, secret) => {
    expect(() => loadConfig({ ...production, AUTH_SECRET: secret })).toThrow(/^AUTH_SECRET: /);
  });

  it("refuses a published dynsec admin password in production (the server's broker account derives from it)", () => {
    expect(() => loadConfig({ ...production, MQTT_PASSWORD: 'chat-admin-password' })).toThrow(/^MQTT_PASSWORD: /);
  });

  it("refuses an admin account named like the server's own broker accounts", () => {
    const dynsec = { MQTT_URL: 'mqtt://broker:1883', MQTT_ACCESS_CONTROL: 'dynsec', MQTT_PASSWORD: 'pw' };
    expect(() => loadConfig({ ...dynsec, MQTT_USERNAME: 'chat-server' })).toThrow(/^MQTT_USERNAME: .*chat-server/);
    expect(() => loadConfig({ ...dynsec, MQTT_USERNAME: 'room-server', MQTT_TOPIC_PREFIX: 'room' })).toThrow(
      /^MQTT_USERNAME: /,
    );
    expect(() => loadConfig({ ...dynsec, MQTT_USERNAME: 'session:x' })).toThrow(/^MQTT_USERNAME: /);
    expect(loadConfig({ ...dynsec, MQTT_USERNAME: 'chat-admin' }).mqtt.username).toBe('chat-admin');
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION turns it on', () => {
    expect(loadConfig({}).graphql.introspection).toBe(true);
    expect(loadConfig(production).graphql.introspection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: '1' }).graphql.introspection).toBe(true);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN: /);
  });

  it('listens with the embedded broker on loopback, and bounds MQTT packets at 64 KiB, unless told otherwise', () => {
    expect(loadConfig({}).mqtt).toMatchObject({ embeddedHost: '127.0.0.1', maxPacketBytes: 65536 });
    expect(loadConfig({ MQTT_EMBEDDED_HOST: '0.0.0.0', MQTT_MAX_PACKET_BYTES: '1048576' }).mqtt).toMatchObject({
      embeddedHost: '0.0.0.0',
      maxPacketBytes: 1048576,
    });
    expect(() => loadConfig({ MQTT_MAX_PACKET_BYTES: '100' })).toThrow(/^MQTT_MAX_PACKET_BYTES: /);
  });

  it('needs the dynamic security admin account for dynsec', () => {
    expect(() => loadConfig({ MQTT_URL: 'mqtt://broker:1883', MQTT_ACCESS_CONTROL: 'dynsec' })).toThrow(
      /^MQTT_USERNAME: /,
    );
  });

  it('needs the callback token and the management API for http access control, and takes a broker cluster', () => {
    const http = { MQTT_URL: 'mqtt://a:1883,mqtt://b:1883', MQTT_ACCESS_CONTROL: 'http' };
    const token = 'a-token-of-at-least-thirty-two-characters';
    expect(() => loadConfig(http)).toThrow(/^MQTT_AUTH_TOKEN: /);
    expect(() => loadConfig({ ...http, MQTT_AUTH_TOKEN: 'short' })).toThrow(/^MQTT_AUTH_TOKEN: .*32/);
    expect(() => loadConfig({ ...http, MQTT_AUTH_TOKEN: token })).toThrow(/^MQTT_MANAGEMENT_URL: /);
    const config = loadConfig({ ...http, MQTT_AUTH_TOKEN: token, MQTT_MANAGEMENT_URL: 'http://admin:pw@a:15672' });
    expect(config.mqtt).toMatchObject({ url: 'mqtt://a:1883', urls: ['mqtt://a:1883', 'mqtt://b:1883'] });
    expect(config.mqtt).toMatchObject({ accessControl: 'http', authToken: token });
    expect(() => loadConfig({ MQTT_URL: 'mqtt://a:1883,http://b' })).toThrow(/^MQTT_URL: .*comma-separated/);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: undefined, MQTT_ACCESS_CONTROL: 'none' }],
    ['MQTT_URL', { MQTT_URL: undefined, MQTT_ACCESS_CONTROL: undefined }],
    ['MQTT_ACCESS_CONTROL', { MQTT_ACCESS_CONTROL: 'none' }],
    ['SMTP_URL', { SMTP_URL: undefined, MQTT_URL: undefined, MQTT_ACCESS_CONTROL: undefined, ALLOW_EMBEDDED: '1' }],
    [
      'AUTH_SECRET',
      { AUTH_SECRET: undefined, MQTT_URL: undefined, MQTT_ACCESS_CONTROL: undefined, ALLOW_EMBEDDED: '1' },
    ],
  ])('refuses the development fallback for %s in production', (variable, change) => {
    expect(() => loadConfig({ ...production, ...change })).toThrow(new RegExp(`^${variable}: `));
  });

  it('allows the embedded stores in production only with ALLOW_EMBEDDED=1', () => {
    const embedded = {
      ...production,
      DATABASE_URL: undefined,
      MQTT_URL: undefined,
      MQTT_ACCESS_CONTROL: undefined,
      ALLOW_EMBEDDED: '1',
    };
    expect(loadConfig(embedded).database.embedded).toBe(true);
  });

  it('lists every variable of the contract', () => {
    for (const v of [
      'PORT',
      'HOST',
      'PUBLIC_URL',
      'DATABASE_URL',
      'MQTT_URL',
      'MQTT_USERNAME',
      'MQTT_PASSWORD',
      'MQTT_ACCESS_CONTROL',
      'MQTT_TOPIC_PREFIX',
      'MQTT_EMBEDDED_PORT',
      'MQTT_PUBLIC_URL',
      'MQTT_PUBLIC_WS_URL',
      'SMTP_URL',
      'MAIL_FROM',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'STRIPE_API_URL',
      'SESSION_TTL_DAYS',
      'LOGIN_CODES_PER_ADDRESS_PER_HOUR',
      'TRUST_PROXY',
      'NODE_ENV',
      'LOG_LEVEL',
      'MIGRATE_ON_START',
      'ALLOW_EMBEDDED',
    ]) {
      expect(CONFIG_VARIABLES).toContain(v);
    }
  });
});
