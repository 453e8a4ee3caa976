import { createHash, randomBytes } from 'node:crypto';
import { Session, User, type Tier } from '../../src/entities';
import { TestUser, uniqueEmail } from './chat';
import type { Profile } from './profiles';
import { SmtpSink } from './smtp-sink';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server';

/**
 * A suite's chat server on a profile, with the SMTP server it mails to: started before the suite's tests (before its
 * own `beforeAll`), stopped after them. The pattern of graphql-ws's own test servers: one line in a `describe`.
 */
export interface ChatServer {
  /** The server (once the suite has started). */
  readonly server: TestServer;
  readonly url: string;
  /** The SMTP server the sign-in codes go to. */
  readonly sink: SmtpSink;
  /**
   * A signed-in user whose session is written straight to the database, as a sign-in would write it (no mail round
   * trip): for suites whose subject is not signing in. With a tier, a pass of it for 30 days.
   */
  user(tag?: string, tier?: Tier.PLUS | Tier.PRO): Promise<TestUser>;
  /** A user signed in through the mail, as a client does. */
  signIn(tag?: string, tier?: Tier.PLUS | Tier.PRO): Promise<TestUser>;
}

/**
 * Registers the suite's server: `beforeAll` starts an SMTP sink and a test server (env `SMTP_URL` and a generous
 * `LOGIN_CODES_PER_ADDRESS_PER_HOUR` by default, over which `options.env` goes), `afterAll` stops both. Hooks run in
 * the order they are registered: options that name something an earlier `beforeAll` starts (a broker) are given as
 * a function, read when the server starts; what must outlive the server is stopped by an `afterAll` registered after
 * this call.
 */
export function useChatServer(
  profile: Profile,
  options: TestServerOptions | (() => TestServerOptions) = {},
): ChatServer {
  const sink = new SmtpSink();
  let server: TestServer | undefined;
  let now = () => new Date();
  beforeAll(async () => {
    await sink.start();
    const given = typeof options === 'function' ? options() : options;
    if (given.clock) now = () => given.clock!.now();
    server = await startTestServer(profile, {
      ...given,
      env: { SMTP_URL: sink.url, LOGIN_CODES_PER_ADDRESS_PER_HOUR: '1000', ...given.env },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await sink.stop();
  });
  const started = () => {
    if (!server) throw new Error('the chat server is not started yet (use it inside a test or a beforeAll)');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get url() {
      return started().url;
    },
    sink,
    user: (tag = 'user', tier) => signedInUser(started(), tag, tier, now()),
    signIn: (tag = 'user', tier) => TestUser.signIn(started(), sink, tag, tier),
  };
}

/**
 * A user and a session as `verifyLoginCode` stores them (a token of 256 random bits, kept only as its SHA-256), on a
 * server a suite started itself (suites of several instances over one database).
 */
export async function signedInUser(
  server: TestServer,
  tag: string,
  tier?: Tier.PLUS | Tier.PRO,
  createdAt = new Date(),
): Promise<TestUser> {
  // A tag with an @ is the exact address (an admin named in ADMIN_EMAILS); any other is made unique.
  const email = tag.includes('@') ? tag : uniqueEmail(tag);
  const em = server.app.orm.em.fork();
  const user = em.create(User, { email, displayName: email.split('@')[0].slice(0, 64), createdAt });
  await em.flush();
  if (tier) await server.app.services.passes.grant({ userId: user.id, tier, days: 30 });
  return anotherSession(server, new TestUser(server, '', user.id, email), createdAt);
}

/**
 * Another signed-in client of the same user (a new session, as a second sign-in writes it), on `server`: the phone
 * beside the desktop.
 */
export async function anotherSession(server: TestServer, user: TestUser, createdAt = new Date()): Promise<TestUser> {
  const token = randomBytes(32).toString('base64url');
  const em = server.app.orm.em.fork();
  const ttlMs = server.app.config.auth.sessionTtlDays * 24 * 60 * 60 * 1000;
  em.create(Session, {
    user: em.getReference(User, user.id),
    tokenHash: createHash('sha256').update(token).digest('hex'),
    createdAt,
    expiresAt: new Date(createdAt.getTime() + ttlMs),
  });
  await em.flush();
  return new TestUser(server, token, user.id, user.email);
}
