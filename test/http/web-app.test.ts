import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eachProfile } from '../support/profiles';
import { startTestServer, type TestServer } from '../support/test-server';

const [[, embedded]] = eachProfile;

describe('the web page route /app', () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-app-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    server = await startTestServer(embedded, { env: { WEB_APP_DIR: dir } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects /app to /app/ and serves the page there with a same-origin content security policy', async () => {
    const bare = await fetch(`${server.url}/app`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/app/']);
    const page = await fetch(`${server.url}/app/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets as immutable, 404 for unknown ones, and the page for any other path below /app', async () => {
    const asset = await fetch(`${server.url}/app/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${server.url}/app/assets/missing.js`)).status).toBe(404);
    const deep = await fetch(`${server.url}/app/channels/general`);
    expect([deep.status, await deep.text()]).toEqual([200, '<!doctype html><div id="app"></div>']);
  });

  it('answers 503 saying how to build it when the page is not built, and is absent when WEB_APP=0', async () => {
    const unbuilt = await startTestServer(embedded, { env: { WEB_APP_DIR: join(dir, 'nothing-here') } });
    const off = await startTestServer(embedded, { env: { WEB_APP_DIR: dir, WEB_APP: '0' } });
    try {
      const res = await fetch(`${unbuilt.url}/app/`);
      expect([res.status, await res.text()]).toEqual([503, expect.stringContaining('npm run build')]);
      expect((await fetch(`${off.url}/app/`)).status).toBe(404);
    } finally {
      await unbuilt.stop();
      await off.stop();
    }
  });
});
