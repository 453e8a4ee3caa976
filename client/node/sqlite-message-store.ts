import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import {
  DEFAULT_MESSAGE_STORE_LIMITS,
  newestOf,
  type CachedChannel,
  type CachedMessage,
  type MessageStore,
  type MessageStoreLimits,
} from '../message-store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cached_messages (
  user_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (user_id, channel_id, seq)
);
CREATE INDEX IF NOT EXISTS cached_messages_age ON cached_messages (created_at, seq);
CREATE TABLE IF NOT EXISTS cached_channels (
  user_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  last_rev INTEGER NOT NULL,
  PRIMARY KEY (user_id, channel_id)
);`;

/**
 * The recent-message cache in a SQLite file, for Node clients (the terminal client), through libsql. Each write is
 * one transaction: after a crash the file holds the channel as it was before the write or after it. One process
 * per file.
 */
export class SqliteMessageStore implements MessageStore {
  private readonly db: Database.Database;

  /** Opens (creating when missing) the cache at `path`. @throws when the file cannot be opened as SQLite. */
  constructor(
    readonly path: string,
    private readonly limits: MessageStoreLimits = DEFAULT_MESSAGE_STORE_LIMITS,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  async read(userId: string, channelId: string): Promise<CachedChannel | undefined> {
    const channel = this.db
      .prepare('SELECT last_rev FROM cached_channels WHERE user_id = ? AND channel_id = ?')
      .get(userId, channelId) as { last_rev: number } | undefined;
    if (!channel) return undefined;
    const rows = this.db
      .prepare('SELECT message FROM cached_messages WHERE user_id = ? AND channel_id = ? ORDER BY seq')
      .all(userId, channelId) as { message: string }[];
    if (!rows.length) return undefined;
    return { messages: rows.map((row) => JSON.parse(row.message) as CachedMessage), lastRev: channel.last_rev };
  }

  async write(userId: string, channelId: string, channel: CachedChannel): Promise<void> {
    const { messages, lastRev } = newestOf(channel, this.limits);
    this.transaction(() => {
      this.db.prepare('DELETE FROM cached_messages WHERE user_id = ? AND channel_id = ?').run(userId, channelId);
      const insert = this.db.prepare(
        'INSERT INTO cached_messages (user_id, channel_id, seq, created_at, message) VALUES (?, ?, ?, ?, ?)',
      );
      for (const message of messages) {
        insert.run(userId, channelId, message.seq, message.createdAt, JSON.stringify(message));
      }
      this.db
        .prepare(
          'INSERT INTO cached_channels (user_id, channel_id, last_rev) VALUES (?, ?, ?) ' +
            'ON CONFLICT (user_id, channel_id) DO UPDATE SET last_rev = excluded.last_rev',
        )
        .run(userId, channelId, lastRev);
      // The oldest messages of any channel go first; each channel keeps an unbroken run up to its newest.
      this.db
        .prepare(
          'DELETE FROM cached_messages WHERE rowid IN (SELECT rowid FROM cached_messages ORDER BY created_at, seq ' +
            'LIMIT MAX(0, (SELECT COUNT(*) FROM cached_messages) - ?))',
        )
        .run(this.limits.total);
    });
  }

  async claim(userId: string): Promise<void> {
    this.transaction(() => {
      this.db.prepare('DELETE FROM cached_messages WHERE user_id <> ?').run(userId);
      this.db.prepare('DELETE FROM cached_channels WHERE user_id <> ?').run(userId);
    });
  }

  async clear(): Promise<void> {
    this.transaction(() => {
      this.db.exec('DELETE FROM cached_messages');
      this.db.exec('DELETE FROM cached_channels');
    });
  }

  close(): void {
    this.db.close();
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }
}
