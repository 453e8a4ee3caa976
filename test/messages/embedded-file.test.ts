import { spawn } from 'node:child_process';
import { once } from 'node:events';
import Database from 'libsql';
import { defaultChannelId } from '../../src/services/channel.service';
import { type TestUser } from '../support/chat';
import { codesOf } from '../support/graphql';
import { profiles } from '../support/profiles';
import { useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

/**
 * Another process with a transaction open on `file` (as a backup, a migration or the sqlite3 shell may have):
 * `begin` and a read for a reader, `begin immediate` for a writer. Resolves once it holds its lock; it holds it
 * until `release()`.
 */
async function otherProcess(file: string, begin: 'begin' | 'begin immediate') {
  const script = `
    const Database = require('libsql');
    const db = new Database(${JSON.stringify(file)});
    db.exec(${JSON.stringify(begin)});
    db.prepare('select count(*) as n from messages').get();
    process.stdout.write('holding\\n');
    process.stdin.once('data', () => { db.exec('commit'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  const ended = once(child, 'exit');
  await once(child.stdout, 'data');
  return {
    release: async () => {
      child.stdin.end('release\n');
      await ended;
    },
  };
}

// The embedded store is one SQLite file, which other processes may open while the server runs.
describe('the embedded SQLite file opened by another process', () => {
  const embedded = profiles.find((p) => p.name === 'embedded')!;
  const lobby = defaultChannelId('lobby');
  let server: TestServer;
  let ana: TestUser;
  const file = () => server.databaseUrl.slice('file:'.length);

  const chat = useChatServer(embedded, { env: { DEFAULT_CHANNELS: 'lobby' } });
  beforeAll(async () => {
    server = chat.server;
    ana = await chat.user('ana');
  });

  it('stores a send while another process reads, without waiting for it (write-ahead log)', async () => {
    // With a rollback journal the commit would wait for the reader, which holds on until told: the send would fail
    // after the busy timeout.
    const reader = await otherProcess(file(), 'begin');
    const during = await ana.send(lobby, 'while another process reads');
    await reader.release();
    expect(during.errors).toBeUndefined();
  });

  it('answers a send that meets another process writing with an error, and stores nothing of it', async () => {
    const writer = await otherProcess(file(), 'begin immediate');
    // The send's transaction has read when it needs the write lock the other process holds: SQLite refuses at once
    // (waiting could deadlock), and the transaction is rolled back.
    const during = await ana.send(lobby, 'while another process writes');
    await writer.release();
    expect(codesOf(during)).toEqual(['INTERNAL_SERVER_ERROR']);
    const reader = new Database(file());
    try {
      const row = reader
        .prepare('select count(*) as n from messages where body = ?')
        .get('while another process writes');
      expect(row).toMatchObject({ n: 0 });
    } finally {
      reader.close();
    }
  });
});
