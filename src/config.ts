import { z } from 'zod';

/**
 * The server's configuration: the environment, parsed and checked once at start.
 *
 * Nothing else in the server reads `process.env`. `loadConfig` throws a {@link ConfigError} that names the
 * variable at fault, so a bad deployment stops before it opens a port.
 */
export type Config = ReturnType<typeof parse>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEVELOPMENT_AUTH_SECRET = 'development-only-secret-do-not-use-in-production';

/**
 * Secrets printed in this repository (the development default, docker-compose's and the README's placeholders):
 * anyone can read them, so production refuses them, and anything that says it is a placeholder.
 */
const PUBLISHED_SECRETS = new Set([
  DEVELOPMENT_AUTH_SECRET,
  'change-me-to-a-long-random-string-of-32-chars-or-more',
  'chat-admin-password',
]);
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|example|placeholder|do-not-use/i;

/** Why a production secret is refused, or undefined when it may be used. */
function weakSecret(value: string): string | undefined {
  if (PUBLISHED_SECRETS.has(value) || PLACEHOLDER.test(value)) return 'is a published example value';
  if (new Set(value).size < 10)
    return 'has fewer than 10 different characters; use a random one (openssl rand -base64 48)';
  return undefined;
}

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1, 0, true, false, yes or no' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['1', 'true', 'yes'].includes(v)));

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(fallback);

const positiveInt = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .positive('must be greater than 0')
    .default(fallback);

const nonNegativeInt = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .default(fallback);

const url = (protocols: string[]) =>
  z.string().refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
    message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  });

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Express's `trust proxy`: true/false, a hop count, or a list of addresses and subnets. */
const trustProxy = z
  .string()
  .optional()
  .transform((v): boolean | number | string => {
    if (v === undefined || v === '' || v === 'false') return false;
    if (v === 'true') return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v;
  });

const env = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: port(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: optional(url(['http:', 'https:'])),
  DATABASE_URL: z
    .string()
    .default('file:./data/chat.sqlite')
    .refine((v) => v.startsWith('file:') || (URL.canParse(v) && new URL(v).protocol === 'mysql:'), {
      message: 'must be mysql://user:pass@host:3306/db or file:path',
    }),
  MIGRATE_ON_START: flag(true),
  ALLOW_EMBEDDED: flag(false),
  MQTT_URL: optional(
    z
      .string()
      .transform((v) => v.split(',').map((u) => u.trim()))
      .refine(
        (urls) =>
          urls.every(
            (u) => URL.canParse(u) && ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(new URL(u).protocol),
          ),
        {
          message:
            'must be a URL starting with mqtt:// or mqtts:// or tcp:// or ssl:// or ws:// or wss://, or a comma-separated list of them (nodes of one cluster)',
        },
      ),
  ),
  MQTT_USERNAME: optional(z.string()),
  MQTT_PASSWORD: optional(z.string()),
  MQTT_ACCESS_CONTROL: z.enum(['none', 'dynsec', 'http'], { message: 'must be none, dynsec or http' }).default('none'),
  MQTT_AUTH_TOKEN: optional(z.string().min(32, 'must be at least 32 characters')),
  MQTT_MANAGEMENT_URL: optional(url(['http:', 'https:'])),
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be one topic level of letters, digits, dot, dash or underscore')
    .default('chat'),
  MQTT_EMBEDDED_PORT: port(1884),
  MQTT_EMBEDDED_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_MAX_PACKET_BYTES: positiveInt(65536).pipe(
    z.number().min(1024, 'must be at least 1024').max(268_435_455, "must be at most 268435455 (MQTT's own limit)"),
  ),
  MQTT_PUBLIC_URL: optional(url(['mqtt:', 'mqtts:'])),
  MQTT_PUBLIC_WS_URL: optional(url(['ws:', 'wss:'])),
  SMTP_URL: optional(url(['smtp:', 'smtps:'])),
  MAIL_FROM: z.string().min(3).default('Chat <no-reply@localhost>'),
  STRIPE_SECRET_KEY: optional(z.string()),
  STRIPE_WEBHOOK_SECRET: optional(z.string()),
  STRIPE_API_URL: optional(url(['http:', 'https:'])),
  PLAN_CURRENCY: z
    .string()
    .regex(/^[a-z]{3}$/, 'must be an ISO-4217 code in lower case, e.g. usd')
    .default('usd'),
  PLAN_PLUS_30D_AMOUNT: positiveInt(499),
  PLAN_PRO_30D_AMOUNT: positiveInt(999),
  // At most ten years, a policy limit well inside MySQL's DATETIME (up to the year 9999), where a session's end must
  // fit or signing in fails.
  SESSION_TTL_DAYS: positiveInt(30).pipe(z.number().max(3650, 'must be at most 3650 (ten years)')),
  SESSION_CACHE_SECONDS: nonNegativeInt(30).pipe(z.number().max(3600, 'must be at most 3600 (an hour)')),
  LOGIN_CODES_PER_ADDRESS_PER_HOUR: positiveInt(30),
  AUTH_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  TRUST_PROXY: trustProxy,
  DEFAULT_CHANNELS: z
    .string()
    .default('general')
    .transform((v) => [...new Set(v.split(',').map((name) => name.trim()))])
    .refine((names) => names.length > 0 && names.every((n) => n.length >= 1 && n.length <= 64), {
      message: 'must be a comma-separated list of channel names of 1 to 64 characters',
    }),
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((email) => email.trim().toLowerCase())
          .filter(Boolean),
      ),
    ])
    .refine((emails) => emails.every((email) => z.email().safeParse(email).success), {
      message: 'must be a comma-separated list of email addresses',
    }),
  MAX_SOCKETS_PER_ADDRESS: positiveInt(200),
  MAX_SOCKETS_PER_USER: positiveInt(20),
  MAX_OPERATIONS_PER_SOCKET: positiveInt(25),
  MAX_SUBSCRIPTIONS_PER_USER: positiveInt(50),
  MAX_OPERATIONS_PER_USER: positiveInt(4),
  MAX_REQUESTS_PER_ADDRESS: positiveInt(64),
  MAX_CHANNELS_PER_USER: positiveInt(100),
  MAX_MEMBERSHIPS_PER_USER: positiveInt(500),
  GRAPHQL_INTROSPECTION: z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1, 0, true, false, yes or no' })
    .optional(),
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  WEB_APP: z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be 1, 0, true, false, yes or no' })
    .optional(),
  WEB_APP_DIR: z.string().min(1).default('dist/web'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

function parse(raw: z.infer<typeof env>) {
  const production = raw.NODE_ENV === 'production';
  const embeddedDatabase = raw.DATABASE_URL.startsWith('file:');
  const embeddedBroker = raw.MQTT_URL === undefined;

  const refuse = (variable: string, why: string) => {
    throw new ConfigError(`${variable}: ${why}`);
  };
  if (!embeddedBroker && raw.MQTT_ACCESS_CONTROL === 'dynsec') {
    if (!raw.MQTT_USERNAME || !raw.MQTT_PASSWORD)
      refuse(
        'MQTT_USERNAME',
        'MQTT_USERNAME and MQTT_PASSWORD must name the dynamic security admin account for dynsec',
      );
    // The server keeps these accounts itself: the admin account must be another one.
    if (raw.MQTT_USERNAME === `${raw.MQTT_TOPIC_PREFIX}-server` || raw.MQTT_USERNAME!.startsWith('session:'))
      refuse(
        'MQTT_USERNAME',
        `"${raw.MQTT_USERNAME}" is a name the server gives its own broker accounts; name the admin account otherwise`,
      );
  }
  if (!embeddedBroker && raw.MQTT_ACCESS_CONTROL === 'http') {
    if (!raw.MQTT_AUTH_TOKEN)
      refuse('MQTT_AUTH_TOKEN', "required for http: the broker's callbacks must present it, so nobody else can ask");
    if (!raw.MQTT_MANAGEMENT_URL)
      refuse(
        'MQTT_MANAGEMENT_URL',
        "required for http: the management API (with an administrator's credentials) through which access that ends disconnects its clients",
      );
  }
  if (production) {
    if (embeddedDatabase && !raw.ALLOW_EMBEDDED)
      refuse(
        'DATABASE_URL',
        'the embedded SQLite store is refused in production; set a mysql:// URL (or ALLOW_EMBEDDED=1)',
      );
    if (embeddedBroker && !raw.ALLOW_EMBEDDED)
      refuse('MQTT_URL', 'the embedded broker is refused in production; set the broker URL (or ALLOW_EMBEDDED=1)');
    if (!embeddedBroker && raw.MQTT_ACCESS_CONTROL === 'none')
      refuse('MQTT_ACCESS_CONTROL', '"none" is refused in production; use dynsec or http');
    if (raw.SMTP_URL === undefined) refuse('SMTP_URL', 'required in production (codes are only logged in development)');
    if (raw.AUTH_SECRET === undefined) refuse('AUTH_SECRET', 'required in production');
    const weakAuth = weakSecret(raw.AUTH_SECRET!);
    if (weakAuth) refuse('AUTH_SECRET', weakAuth);
    const weakBroker = raw.MQTT_PASSWORD === undefined ? undefined : weakSecret(raw.MQTT_PASSWORD);
    if (weakBroker) refuse('MQTT_PASSWORD', weakBroker);
    const weakCallback = raw.MQTT_AUTH_TOKEN === undefined ? undefined : weakSecret(raw.MQTT_AUTH_TOKEN);
    if (weakCallback) refuse('MQTT_AUTH_TOKEN', weakCallback);
  }

  return {
    production,
    http: {
      port: raw.PORT,
      host: raw.HOST,
      /** PUBLIC_URL without a trailing slash; unset means http://localhost:<the port the server bound>. */
      publicUrl: raw.PUBLIC_URL?.replace(/\/+$/, ''),
      trustProxy: raw.TRUST_PROXY,
    },
    database: { url: raw.DATABASE_URL, embedded: embeddedDatabase, migrateOnStart: raw.MIGRATE_ON_START },
    mqtt: {
      /** The broker's address (the first node of a cluster); undefined for the embedded broker. */
      url: raw.MQTT_URL?.[0],
      /** Every node of the broker's cluster, in the order the server tries them; empty for the embedded broker. */
      urls: raw.MQTT_URL ?? [],
      username: raw.MQTT_USERNAME,
      password: raw.MQTT_PASSWORD,
      accessControl: raw.MQTT_ACCESS_CONTROL,
      /** With http: the token the broker's callbacks present (as the password of HTTP basic authentication). */
      authToken: raw.MQTT_AUTH_TOKEN,
      /** With http: the broker's management API, with an administrator's credentials in the URL. */
      managementUrl: raw.MQTT_MANAGEMENT_URL,
      topicPrefix: raw.MQTT_TOPIC_PREFIX,
      embeddedPort: raw.MQTT_EMBEDDED_PORT,
      /** Where the embedded broker's TCP port listens: loopback unless configured (MQTT over WebSockets is at /mqtt). */
      embeddedHost: raw.MQTT_EMBEDDED_HOST,
      /** The largest MQTT packet the embedded broker takes, and the size dynsec command batches keep within. */
      maxPacketBytes: raw.MQTT_MAX_PACKET_BYTES,
      publicUrl: raw.MQTT_PUBLIC_URL,
      publicWsUrl: raw.MQTT_PUBLIC_WS_URL,
    },
    mail: { smtpUrl: raw.SMTP_URL, from: raw.MAIL_FROM },
    stripe: {
      secretKey: raw.STRIPE_SECRET_KEY,
      webhookSecret: raw.STRIPE_WEBHOOK_SECRET,
      apiUrl: raw.STRIPE_API_URL,
    },
    plans: {
      currency: raw.PLAN_CURRENCY,
      amounts: { PLUS_30D: raw.PLAN_PLUS_30D_AMOUNT, PRO_30D: raw.PLAN_PRO_30D_AMOUNT },
    },
    auth: {
      sessionTtlDays: raw.SESSION_TTL_DAYS,
      sessionCacheSeconds: raw.SESSION_CACHE_SECONDS,
      loginCodesPerAddressPerHour: raw.LOGIN_CODES_PER_ADDRESS_PER_HOUR,
      secret: raw.AUTH_SECRET ?? DEVELOPMENT_AUTH_SECRET,
    },
    channels: { defaults: raw.DEFAULT_CHANNELS },
    /** The admins, by the email they sign in with (lower-cased): moderation and the operations page are theirs. */
    moderation: { adminEmails: raw.ADMIN_EMAILS },
    /** What one client address, user or socket may hold open on this instance (README, "Limits"). */
    limits: {
      /** WebSockets (/graphql and /mqtt) and embedded-broker TCP connections open at once from one address. */
      socketsPerAddress: raw.MAX_SOCKETS_PER_ADDRESS,
      /** Signed-in graphql-ws sockets of one user open at once. */
      socketsPerUser: raw.MAX_SOCKETS_PER_USER,
      /** Operations (subscriptions included) in progress at once on one graphql-ws socket. */
      operationsPerSocket: raw.MAX_OPERATIONS_PER_SOCKET,
      /** Queries and mutations of one user in progress at once, over HTTP and all their sockets. */
      operationsPerUser: raw.MAX_OPERATIONS_PER_USER,
      /** HTTP requests from one address in progress at once. */
      requestsPerAddress: raw.MAX_REQUESTS_PER_ADDRESS,
      /** messageAdded and messageChanged subscriptions of one user open at once, over all their sockets. */
      subscriptionsPerUser: raw.MAX_SUBSCRIPTIONS_PER_USER,
      /** PRIVATE and PASSWORD channels one user may own. */
      channelsPerUser: raw.MAX_CHANNELS_PER_USER,
      /** PASSWORD channels one user may be a member of, their own included. */
      membershipsPerUser: raw.MAX_MEMBERSHIPS_PER_USER,
    },
    graphql: {
      /** Schema introspection: on outside production unless GRAPHQL_INTROSPECTION turns it off, in production only when on. */
      introspection:
        raw.GRAPHQL_INTROSPECTION === undefined
          ? !production
          : ['1', 'true', 'yes'].includes(raw.GRAPHQL_INTROSPECTION),
    },
    /** GET /metrics needs `Authorization: Bearer <token>` when set; in production it is not served without one. */
    metrics: { token: raw.METRICS_TOKEN },
    /** The web page at /app: served outside production unless WEB_APP turns it off, in production only when on. */
    webApp: {
      enabled: raw.WEB_APP === undefined ? !production : ['1', 'true', 'yes'].includes(raw.WEB_APP),
      dir: raw.WEB_APP_DIR,
    },
    logLevel: raw.LOG_LEVEL,
  };
}

/** Every variable the server reads; the docker-compose check compares against this list. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(env.shape);

/**
 * Parses an environment (normally `process.env`) into a {@link Config}.
 *
 * @throws ConfigError naming the first variable that is malformed or refused in production.
 */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const picked = Object.fromEntries(CONFIG_VARIABLES.map((k) => [k, environment[k]]));
  const result = env.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  return parse(result.data);
}
