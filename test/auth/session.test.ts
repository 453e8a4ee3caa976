import { createHash } from 'node:crypto';
import { once } from 'node:events';
import WebSocket from 'ws';
import { DAY, TestClock } from '../support/clock';
import { count, epochMs, rows } from '../support/db';
import { codesOf, gql, wsClient, wsQuery } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { REQUEST_CODE, VERIFY_CODE, signIn } from '../support/sign-in';
import { codeIn } from '../support/smtp-sink';
import { useChatServer } from '../support/chat-server';
import { startTestServer, type TestServer } from '../support/test-server';

let n = 0;
const freshEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${++n}@example.com`;
const ME = '{ me { id email displayName } }';
const LOGOUT = 'mutation { logout }';
const RENAME = 'mutation ($name: String!) { updateDisplayName(displayName: $name) { id displayName } }';

describe.each(eachProfile)('sessions (%s)', (_name, profile) => {
  const clock = new TestClock();
  let server: TestServer;
  const chat = useChatServer(profile, { clock, sessionCheckMs: 100 });
  const sink = chat.sink;
  beforeAll(() => {
    server = chat.server;
  });

  it('issues a token of at least 256 random bits, stored only as a hash', async () => {
    const { token, userId } = await signIn(server.url, sink, freshEmail('token'));
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(32);
    const stored = JSON.stringify(await rows(server, 'select * from sessions where user_id = ?', [userId]));
    expect(stored).not.toContain(token);
    expect(stored).toContain(createHash('sha256').update(token).digest('hex'));
  });

  it('keeps a session 30 days from login, then treats its token as no session', async () => {
    const email = freshEmail('ttl');
    const { token } = await signIn(server.url, sink, email);
    const [session] = await rows<{ created_at: unknown; expires_at: unknown }>(
      server,
      'select s.created_at, s.expires_at from sessions s join users u on u.id = s.user_id where u.email = ?',
      [email],
    );
    expect(epochMs(session.expires_at) - epochMs(session.created_at)).toBe(30 * DAY);

    clock.advance(30 * DAY - 60_000);
    expect((await gql(server.url, ME, {}, token)).data!.me.email).toBe(email);
    clock.advance(60_000);
    const after = await gql(server.url, ME, {}, token);
    expect(after.data!.me).toBeNull();
    expect(codesOf(await gql(server.url, LOGOUT, {}, token))).toEqual(['UNAUTHENTICATED']);
  });

  it('takes the session lifetime from SESSION_TTL_DAYS', async () => {
    const short = await startTestServer(profile, { env: { SMTP_URL: sink.url, SESSION_TTL_DAYS: '2' } });
    try {
      const email = freshEmail('short');
      await gql(short.url, REQUEST_CODE, { email });
      const code = codeIn(await sink.nextMailTo(email));
      const res = await gql(short.url, VERIFY_CODE, { email, code });
      const issued = res.data!.verifyLoginCode;
      expect(Date.parse(issued.expiresAt) - Date.now()).toBeGreaterThan(2 * DAY - 60_000);
      expect(Date.parse(issued.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * DAY);
    } finally {
      await short.stop();
    }
  });

  it('ends the session at logout, and only that session', async () => {
    const email = freshEmail('logout');
    const first = await signIn(server.url, sink, email);
    clock.advance(61_000);
    const second = await signIn(server.url, sink, email);
    const res = await gql(server.url, LOGOUT, {}, first.token);
    expect(res.data).toEqual({ logout: true });
    expect((await gql(server.url, ME, {}, first.token)).data!.me).toBeNull();
    expect(codesOf(await gql(server.url, LOGOUT, {}, first.token))).toEqual(['UNAUTHENTICATED']);
    expect((await gql(server.url, ME, {}, second.token)).data!.me.email).toBe(email);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['empty', ''],
    ['overlong', 'x'.repeat(10_000)],
    ['malformed header', 'Basic abc'],
  ])('treats a %s bearer token as no session', async (_kind, token) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: token.startsWith('Basic') ? token : `Bearer ${token}`,
      },
      body: JSON.stringify({ query: ME }),
    });
    expect(await res.json()).toEqual({ data: { me: null } });
    expect(codesOf(await gql(server.url, RENAME, { name: 'x' }, token || undefined))).toEqual(['UNAUTHENTICATED']);
  });

  it('renames the viewer, trimming the name, and refuses bad names without changing it', async () => {
    const email = freshEmail('rename');
    const { token, userId } = await signIn(server.url, sink, email);
    const res = await gql(server.url, RENAME, { name: '  Ana Lopez  ' }, token);
    expect(res.data).toEqual({ updateDisplayName: { id: userId, displayName: 'Ana Lopez' } });
    for (const bad of ['', '   ', 'x'.repeat(65), 'bad\u0000name', 'bell\u0007', 'half\ud800']) {
      const refused = await gql(server.url, RENAME, { name: bad }, token);
      expect(codesOf(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0].extensions!.field).toBe('displayName');
    }
    expect((await gql(server.url, ME, {}, token)).data!.me.displayName).toBe('Ana Lopez');
    expect(await count(server, 'users', 'display_name = ?', ['Ana Lopez'])).toBeGreaterThanOrEqual(1);
  });

  describe('on graphql-ws', () => {
    it('authenticates connectionParams.authToken, with or without the Bearer prefix', async () => {
      const email = freshEmail('ws');
      const { token } = await signIn(server.url, sink, email);
      for (const authToken of [token, `Bearer ${token}`]) {
        const { client } = wsClient(server.url, { authToken });
        const res = await wsQuery(client, ME);
        expect(res.data!.me.email).toBe(email);
        await client.dispose();
      }
    });

    it('serves an anonymous socket as no session', async () => {
      const { client } = wsClient(server.url);
      expect((await wsQuery(client, ME)).data).toEqual({ me: null });
      const res = await wsQuery(client, RENAME, { name: 'x' });
      expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
      await client.dispose();
    });

    it.each([
      ['an unknown token', { authToken: 'garbage' }],
      ['a token of the wrong type', { authToken: 42 }],
      ['an empty token', { authToken: '' }],
    ])('closes the socket with 4403 at connection_init for %s', async (_kind, params) => {
      const { client, closed } = wsClient(server.url, params);
      expect(await closed).toBe(4403);
      await client.dispose();
    });

    it('closes the socket with 4400 when connectionParams is not an object', async () => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init', payload: 'just a string' }));
      const [code] = (await once(socket, 'close')) as [number];
      expect(code).toBe(4400);
    });

    it('refuses a revoked token at connection_init', async () => {
      const { token } = await signIn(server.url, sink, freshEmail('revoked'));
      await gql(server.url, LOGOUT, {}, token);
      const { client, closed } = wsClient(server.url, { authToken: token });
      expect(await closed).toBe(4403);
      await client.dispose();
    });

    it('closes a signed-in socket once its session is logged out elsewhere', async () => {
      const { token } = await signIn(server.url, sink, freshEmail('wslogout'));
      const { client, closed } = wsClient(server.url, { authToken: token });
      expect((await wsQuery(client, ME)).data!.me).not.toBeNull();
      await gql(server.url, LOGOUT, {}, token);
      expect(await closed).toBe(4403);
      await client.dispose();
    });
  });
});

describe.each(eachProfile)('logout ends the sockets at once (%s)', (_name, profile) => {
  let server: TestServer;
  // The periodic session check is ten minutes away: a close is logout's own doing.
  const chat = useChatServer(profile, { sessionCheckMs: 600_000 });
  const sink = chat.sink;
  beforeAll(() => {
    server = chat.server;
  });

  it("closes the session's sockets with 4403 and leaves the user's other sessions open", async () => {
    const email = freshEmail('at-once');
    const { token } = await signIn(server.url, sink, email);
    const other = await signIn(server.url, sink, freshEmail('stays'));
    const mine = wsClient(server.url, { authToken: token });
    const theirs = wsClient(server.url, { authToken: other.token });
    expect((await wsQuery(mine.client, ME)).data!.me).not.toBeNull();
    expect((await wsQuery(theirs.client, ME)).data!.me).not.toBeNull();
    await gql(server.url, LOGOUT, {}, token);
    expect(await mine.closed).toBe(4403);
    expect((await wsQuery(theirs.client, ME)).data!.me).not.toBeNull();
    await mine.client.dispose();
    await theirs.client.dispose();
  });
});
