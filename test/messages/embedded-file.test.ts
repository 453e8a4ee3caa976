import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { defaultChannelId } from '../../src/services/channel.service';
import { TestUser } from '../support/chat';
import { profiles } from '../support/profiles';
import { SmtpSink } from '../support/smtp-sink';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Another process holding a read transaction on `file` (as a backup or the sqlite3 shell does) for `holdMs`;
 * resolves once it holds SQLite's shared lock, and `ended` once it let go.
 */
async function readerProcess(file: string, holdMs: number) {
  const script = `
    const Database = require('libsql');
    const db = new Database(${JSON.stringify(file)});
    db.exec('begin');
    db.prepare('select count(*) as n from messages').get();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('commit'); db.close(); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = once(child, 'exit');
  await once(child.stdout, 'data');
  return { ended };
}

// The embedded store is one SQLite file, and SQLite locks whole files: a commit must wait for another process's
// readers instead of failing (and leaving the server's only connection inside a transaction it cannot end).
describe('the embedded SQLite file read by another process', () => {
  const embedded = profiles.find((p) => p.name === 'embedded')!;
  const lobby = defaultChannelId('lobby');
  const sink = new SmtpSink();
  let server: TestServer;
  let ana: TestUser;

  beforeAll(async () => {
    await sink.start();
    server = await startTestServer(embedded, { env: { SMTP_URL: sink.url, DEFAULT_CHANNELS: 'lobby' } });
    ana = await TestUser.signIn(server, sink, 'ana');
  });
  afterAll(async () => {
    await server?.stop();
    await sink.stop();
  });

  it('stores a send made while another process reads, once it lets go, and keeps storing afterwards', async () => {
    const first = await ana.send(lobby, 'before');
    expect(first.errors).toBeUndefined();
    const reader = await readerProcess(server.databaseUrl.slice('file:'.length), 300);
    const during = await ana.send(lobby, 'while another process reads');
    await reader.ended;
    const after = await ana.send(lobby, 'after');
    expect([during.errors, after.errors]).toEqual([undefined, undefined]);
    expect([during.data!.sendMessage.seq, after.data!.sendMessage.seq]).toEqual([
      first.data!.sendMessage.seq + 1,
      first.data!.sendMessage.seq + 2,
    ]);
  });
});
