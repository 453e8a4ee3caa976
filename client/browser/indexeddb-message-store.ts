import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  DEFAULT_MESSAGE_STORE_LIMITS,
  newestOf,
  type CachedChannel,
  type CachedMessage,
  type MessageStore,
  type MessageStoreLimits,
} from '../message-store';

interface CacheSchema extends DBSchema {
  messages: {
    key: [string, string, number];
    value: { userId: string; channelId: string; seq: number; createdAt: string; message: CachedMessage };
    indexes: { byChannel: [string, string]; byAge: [string, number] };
  };
  channels: {
    key: [string, string];
    value: { userId: string; channelId: string; lastRev: number };
  };
}

/**
 * The recent-message cache in the browser's IndexedDB (through `idb`). Each write is one IndexedDB transaction over
 * both stores, so a closed tab leaves the channel as it was before the write or after it.
 */
export class IndexedDbMessageStore implements MessageStore {
  private readonly db: Promise<IDBPDatabase<CacheSchema>>;

  /** Opens (creating when missing) the database `name`; a browser without IndexedDB makes every method reject. */
  constructor(
    name = 'chat-message-cache',
    private readonly limits: MessageStoreLimits = DEFAULT_MESSAGE_STORE_LIMITS,
  ) {
    this.db = openDB<CacheSchema>(name, 1, {
      upgrade(db) {
        const messages = db.createObjectStore('messages', { keyPath: ['userId', 'channelId', 'seq'] });
        messages.createIndex('byChannel', ['userId', 'channelId']);
        messages.createIndex('byAge', ['createdAt', 'seq']);
        db.createObjectStore('channels', { keyPath: ['userId', 'channelId'] });
      },
      // A newer version of the page (in another tab) needs the database: this one lets go of it.
      blocking: () => {
        // close() is IDBDatabase's (the DOM's types, which Node-side type checks of this file do not load).
        void this.db.then((open) => (open as unknown as { close(): void }).close());
      },
    });
  }

  async read(userId: string, channelId: string): Promise<CachedChannel | undefined> {
    const db = await this.db;
    const tx = db.transaction(['messages', 'channels']);
    const [channel, rows] = await Promise.all([
      tx.objectStore('channels').get([userId, channelId]),
      tx.objectStore('messages').index('byChannel').getAll([userId, channelId]),
    ]);
    if (!channel || !rows.length) return undefined;
    return { messages: rows.sort((a, b) => a.seq - b.seq).map((row) => row.message), lastRev: channel.lastRev };
  }

  async write(userId: string, channelId: string, channel: CachedChannel): Promise<void> {
    const { messages, lastRev } = newestOf(channel, this.limits);
    const db = await this.db;
    const tx = db.transaction(['messages', 'channels'], 'readwrite');
    const store = tx.objectStore('messages');
    const stale = await store.index('byChannel').getAllKeys([userId, channelId]);
    await Promise.all(stale.map((key) => store.delete(key)));
    await Promise.all(
      messages.map((message) =>
        store.put({ userId, channelId, seq: message.seq, createdAt: message.createdAt, message }),
      ),
    );
    await tx.objectStore('channels').put({ userId, channelId, lastRev });
    // The oldest messages of any channel go first; each channel keeps an unbroken run up to its newest.
    let excess = (await store.count()) - this.limits.total;
    let cursor = excess > 0 ? await store.index('byAge').openCursor() : null;
    while (cursor && excess-- > 0) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  async claim(userId: string): Promise<void> {
    const db = await this.db;
    const tx = db.transaction(['messages', 'channels'], 'readwrite');
    for (const name of ['messages', 'channels'] as const) {
      let cursor = await tx.objectStore(name).openCursor();
      while (cursor) {
        if (cursor.value.userId !== userId) await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    await tx.done;
  }

  async clear(): Promise<void> {
    const db = await this.db;
    const tx = db.transaction(['messages', 'channels'], 'readwrite');
    await Promise.all([tx.objectStore('messages').clear(), tx.objectStore('channels').clear()]);
    await tx.done;
  }
}
