import { holdWrites } from '../support/db';
import { eventually } from '../support/eventually';
import { codesOf, gql, wsClient } from '../support/graphql';
import { eachProfile } from '../support/profiles';
import { REQUEST_CODE } from '../support/sign-in';
import { startTestServer, type TestServer } from '../support/test-server';

describe.each(eachProfile)('HTTP surface (%s)', (_name, profile) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(profile);
  });
  afterAll(() => server?.stop());

  it('answers /healthz and, with database and broker up, /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'up', broker: 'up' });
  });

  it('serves Prometheus metrics that count GraphQL operations', async () => {
    await gql(server.url, '{ me { id } }');
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/chat_graphql_operations_total\{type="query",outcome="ok"\} [1-9]/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('shows the Apollo Sandbox landing page to a browser outside production', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/sandbox/i);
  });

  it('refuses a cross-site simple request (CSRF prevention)', async () => {
    const res = await fetch(`${server.url}/graphql?query=%7Bme%7Bid%7D%7D`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it('runs a query over GET with the preflight header the README shows', async () => {
    const res = await fetch(`${server.url}/graphql?query=%7Bme%7Bid%7D%7D`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: null } });
  });

  it('refuses a subscription over HTTP with 400 BAD_REQUEST, logging no error', async () => {
    const res = await gql(server.url, 'subscription { messageAdded(channelId: "x") { id } }');
    expect(res.status).toBe(400);
    expect(codesOf(res)).toEqual(['BAD_REQUEST']);
    expect(res.errors![0].message).toMatch(/WebSockets/);
    expect(server.logs.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });

  it('answers an error no route handled in JSON, without a stack trace', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).not.toMatch(/ at |node_modules/);
  });

  it('refuses WebSocket upgrades on paths it does not serve', async () => {
    const { client, closed } = wsClient(server.url.replace(/$/, '/nowhere'));
    expect(await closed).not.toBe(1000);
    await client.dispose();
  });

  it('masks internal errors: no SQL, no stack trace, code INTERNAL_SERVER_ERROR, and the cause is logged', async () => {
    await server.app.orm.em.fork().getConnection().execute('drop table login_code_requests');
    const res = await gql(server.url, REQUEST_CODE, { email: 'masked@example.com' });
    expect(codesOf(res)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(res.errors![0].message).toBe('Internal server error.');
    const wire = JSON.stringify(res);
    expect(wire).not.toMatch(/login_code_requests|select|insert|stack|at /i);
    expect(server.logs.join('')).toContain('login_code_requests');
  });

  /** /readyz as it answers once its once-a-second probe has looked again. */
  const readyzSettlesAt = async (status: number) => {
    let res: { status: number; body: unknown } | undefined;
    await eventually(async () => {
      const answer = await fetch(`${server.url}/readyz`);
      res = { status: answer.status, body: await answer.json() };
      return res.status === status;
    }, `/readyz to answer ${status}`);
    return res!;
  };

  it('answers /readyz with 503 while the database answers reads but cannot take a write', async () => {
    // Another connection holds the write lock of the table the probe writes to (the whole file, on SQLite).
    const release = await holdWrites(server, ['readiness_probes']);
    try {
      const res = await readyzSettlesAt(503);
      expect(res.body).toEqual({ status: 'unavailable', database: 'down', broker: 'up' });
      await server.app.orm.em.fork().getConnection().execute('select 1');
    } finally {
      await release();
    }
    await readyzSettlesAt(200);
  });

  it('answers /readyz with 503 and the reason when the database is gone', async () => {
    await server.app.orm.close(true);
    const res = await readyzSettlesAt(503);
    expect(res.body).toEqual({ status: 'unavailable', database: 'down', broker: 'up' });
  });
});

describe.each(eachProfile)('readiness without a broker (%s)', (_name, profile) => {
  it('starts anyway and answers /readyz with 503 while the broker cannot be reached', async () => {
    // Port 9 (discard) has no MQTT broker: the client keeps retrying in the background.
    const server = await startTestServer(profile, { env: { MQTT_URL: 'mqtt://127.0.0.1:9' } });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', database: 'up', broker: 'down' });
    } finally {
      await server.stop();
    }
  });
});

describe.each(eachProfile)('stopping (%s)', (_name, profile) => {
  it('closes open sockets and the port, and can be called twice', async () => {
    const server = await startTestServer(profile);
    const { client, closed } = wsClient(server.url);
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    await Promise.all([server.stop(), server.app.stop()]);
    expect(await closed).toBe(1001);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await client.dispose();
  });
});
