import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChannelView,
  ChatClient,
  MemoryMessageStore,
  type CachedChannel,
  type Message,
  type MessageStore,
  type MessageStoreLimits,
} from '../../client';
import { SqliteMessageStore } from '../../client/node';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { TestUser, uniqueId } from '../support/chat';
import { anotherSession, useChatServer } from '../support/chat-server';
import { FlakyNetwork, signInClient, socketState, until } from '../support/client';
import { eachProfile } from '../support/profiles';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const sqliteFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-cache-'));
  dirs.push(dir);
  return join(dir, 'cache.sqlite');
};

let at = Date.parse('2026-12-01T00:00:00Z');
/** A stored message of `channelId` with `seq`, each one later than the one before. */
const message = (channelId: string, seq: number, body = `m${seq}`): Message => ({
  id: `${channelId}-${seq}`,
  channelId,
  seq,
  kind: 'USER',
  body,
  sender: { id: 'u', displayName: 'u' },
  systemEvent: null,
  clientMessageId: null,
  createdAt: new Date((at += 1000)).toISOString(),
  editedAt: null,
  deletedAt: null,
  rev: 0,
});
const run = (channelId: string, from: number, to: number): Message[] =>
  Array.from({ length: to - from + 1 }, (_, i) => message(channelId, from + i));
const seqsOf = (channel: CachedChannel | undefined) => channel?.messages.map((m) => m.seq);

const stores: [string, (limits?: MessageStoreLimits) => MessageStore][] = [
  ['memory', (limits) => new MemoryMessageStore(limits)],
  ['SQLite', (limits) => new SqliteMessageStore(sqliteFile(), limits)],
];

describe.each(stores)('MessageStore (%s)', (_name, open) => {
  it('keeps each user’s channels apart and gives back what was written, oldest first', async () => {
    const store = open();
    const cursorOf4 = { ...message('a', 4), cursor: 'c4' };
    await store.write('ann', 'a', { messages: [message('a', 5), cursorOf4], lastRev: 7 });
    await store.write('ann', 'b', { messages: run('b', 1, 2), lastRev: 0 });
    await store.write('bob', 'a', { messages: run('a', 9, 9), lastRev: 9 });
    const annA = await store.read('ann', 'a');
    expect(seqsOf(annA)).toEqual([4, 5]);
    expect(annA!.lastRev).toBe(7);
    expect(annA!.messages[0]).toEqual(cursorOf4);
    expect(seqsOf(await store.read('ann', 'b'))).toEqual([1, 2]);
    expect(seqsOf(await store.read('bob', 'a'))).toEqual([9]);
    expect(await store.read('bob', 'b')).toBeUndefined();
    // A write replaces the channel: nothing of the previous run stays.
    await store.write('ann', 'a', { messages: run('a', 6, 6), lastRev: 8 });
    expect(seqsOf(await store.read('ann', 'a'))).toEqual([6]);
  });

  it('keeps the newest messages of a channel, and evicts the oldest of any channel past the total', async () => {
    const store = open({ perChannel: 4, total: 6 });
    await store.write('ann', 'old', { messages: run('old', 1, 10), lastRev: 0 });
    expect(seqsOf(await store.read('ann', 'old'))).toEqual([7, 8, 9, 10]);
    await store.write('ann', 'new', { messages: run('new', 1, 3), lastRev: 0 });
    // 7 held, 6 allowed: the oldest message of all goes, and each channel keeps its newest run.
    expect(seqsOf(await store.read('ann', 'old'))).toEqual([8, 9, 10]);
    expect(seqsOf(await store.read('ann', 'new'))).toEqual([1, 2, 3]);
  });

  it('forgets every other user on claim, and everything on clear', async () => {
    const store = open();
    await store.write('ann', 'a', { messages: run('a', 1, 2), lastRev: 0 });
    await store.write('bob', 'a', { messages: run('a', 1, 2), lastRev: 0 });
    await store.claim('bob');
    expect(await store.read('ann', 'a')).toBeUndefined();
    expect(seqsOf(await store.read('bob', 'a'))).toEqual([1, 2]);
    await store.clear();
    expect(await store.read('bob', 'a')).toBeUndefined();
  });
});

describe('SqliteMessageStore', () => {
  it('keeps the cache in its file across a restart', async () => {
    const file = sqliteFile();
    const first = new SqliteMessageStore(file);
    const messages = run('a', 3, 5);
    await first.write('ann', 'a', { messages, lastRev: 2 });
    first.close();
    const again = new SqliteMessageStore(file);
    expect(await again.read('ann', 'a')).toEqual({ lastRev: 2, messages });
    again.close();
  });
});

/** Resolves once `check` holds, re-checked on every change of the view (an event, not a sleep). */
const viewUntil = (view: ChannelView, check: () => boolean, what: string) =>
  until((listener) => view.onChange(listener), check, what);

/** Closes `view` (which writes its cache) and reads what `store` then holds of its channel. */
async function closeAndRead(
  view: ChannelView,
  store: MessageStore,
  userId: string,
): Promise<CachedChannel | undefined> {
  view.close();
  await view.saved();
  return store.read(userId, view.channelId);
}

const isContiguous = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1);

describe.each(eachProfile)('ChannelView with a message cache (%s)', (_name, profile) => {
  const chat = useChatServer(profile, { relay: { sweepIntervalMs: 100, sweepAfterMs: 200 } });
  const clients: ChatClient[] = [];
  let owner: TestUser;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  /** A client whose HTTP requests and socket fail while `net.online` is false, as without a network. */
  const connect = async (tag: string, store: MessageStore) => {
    const net = new FlakyNetwork();
    const client = await signInClient(chat.server, chat.sink, tag, {
      messageStore: store,
      webSocketImpl: net.WebSocket,
      fetch: (input, init) => (net.online ? fetch(input, init) : Promise.reject(new TypeError('fetch failed'))),
    });
    clients.push(client);
    return { client, net, userId: (await client.me())!.id };
  };
  const room = async (client: ChatClient) => {
    owner = await chat.signIn('owner', Tier.PRO);
    const id = await owner.createChannel('PASSWORD', uniqueId('room'), 'letmein');
    await client.joinChannel(id, 'letmein');
    return id;
  };
  const say = async (channelId: string, body: string): Promise<Message> => {
    const res = await owner.send(channelId, body);
    if (res.errors) throw new Error(`send refused: ${JSON.stringify(res.errors)}`);
    return res.data!.sendMessage as Message;
  };

  it('draws the cached messages before the server answers, then adds what was stored, edited and deleted since, once each', async () => {
    const store = new MemoryMessageStore();
    const { client, net, userId } = await connect('cacher', store);
    const id = await room(client);
    const [a, b] = [await say(id, 'a'), await say(id, 'b')];
    const first = new ChannelView(client, id, { userId, pageSize: 3 });
    await first.open();
    const count = first.messages.length;
    expect((await closeAndRead(first, store, userId))!.messages.map((m) => m.body)).toEqual(
      first.messages.map((m) => m.body),
    );

    await owner.edit(a.id, 'a, edited while away');
    await owner.delete(b.id);
    // Three new messages: the newest page (3) then holds none of the edited and deleted ones.
    await say(id, 'c1');
    await say(id, 'c2');
    const c = await say(id, 'c');

    net.online = false;
    const second = new ChannelView(client, id, { userId, pageSize: 3 });
    const opened = second.open();
    // Before any answer: the cache is on screen.
    await viewUntil(second, () => second.messages.length === count, 'the cached messages');
    expect(second.messages.map((m) => m.body)).toContain('b');
    await opened;
    expect(second.offline).toBe(true);

    net.restore();
    second.reconnect();
    const shown = (m: Message) => second.messages.find((held) => held.id === m.id);
    await viewUntil(
      second,
      () => shown(c) !== undefined && shown(a)?.body === 'a, edited while away' && shown(b)?.deletedAt != null,
      'the new message, the edit and the deletion',
    );
    expect(second.offline).toBe(false);
    expect(shown(b)!.body).toBe('');
    const seqs = second.messages.map((m) => m.seq);
    expect(new Set(second.messages.map((m) => m.id)).size).toBe(seqs.length);
    expect(isContiguous(seqs)).toBe(true);
    expect(seqs.at(-1)).toBe(c.seq);
    // Live from there: a message stored now arrives once.
    const d = await say(id, 'd');
    await viewUntil(second, () => shown(d) !== undefined, 'a live message');
    expect(second.messages.filter((m) => m.id === d.id)).toHaveLength(1);
    // The cache now holds the reconciled channel.
    const after = (await closeAndRead(second, store, userId))!;
    expect(after.messages).toHaveLength(second.messages.length);
    expect(after.messages.find((m) => m.id === b.id)).toMatchObject({ body: '', deletedAt: expect.any(String) });
  });

  it('drops a cache that no longer joins the newest page, and pages back from there', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('gap', store);
    const id = await room(client);
    const first = new ChannelView(client, id, { userId, pageSize: 5 });
    await first.open();
    expect(await closeAndRead(first, store, userId)).toBeDefined();
    for (let i = 1; i <= 12; i++) await say(id, `after ${i}`);

    const second = new ChannelView(client, id, { userId, pageSize: 5 });
    await second.open();
    expect(second.messages.map((m) => m.body)).toEqual(['after 8', 'after 9', 'after 10', 'after 11', 'after 12']);
    while (second.hasOlder) await second.loadOlder();
    const seqs = second.messages.map((m) => m.seq);
    expect(seqs[0]).toBe(1);
    expect(isContiguous(seqs)).toBe(true);
    second.close();
  });

  it('pages back from a cache whose oldest message came live (no cursor) without a gap or a repeat', async () => {
    const store = new MemoryMessageStore({ perChannel: 4, total: 100 });
    const { client, userId } = await connect('nocursor', store);
    const id = await room(client);
    const first = new ChannelView(client, id, { userId, pageSize: 3 });
    await first.open();
    const live: Message[] = [];
    for (let i = 1; i <= 6; i++) live.push(await say(id, `live ${i}`));
    await viewUntil(first, () => first.messages.some((m) => m.id === live[5].id), 'the live messages');
    expect((await closeAndRead(first, store, userId))!.messages.map((m) => m.body)).toEqual(
      live.slice(2).map((m) => m.body),
    );

    const second = new ChannelView(client, id, { userId, pageSize: 3 });
    await second.open();
    expect(second.hasOlder).toBe(true);
    while (second.hasOlder) await second.loadOlder();
    const seqs = second.messages.map((m) => m.seq);
    expect(seqs[0]).toBe(1);
    expect(isContiguous(seqs)).toBe(true);
    expect(seqs.at(-1)).toBe(live[5].seq);
    second.close();
  });

  it('shows only the newest unbroken run of a cache with a seq missing, then pages back without a gap', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('broken-run', store);
    const id = await room(client);
    for (let i = 1; i <= 4; i++) await say(id, `run ${i}`);
    const page = await client.history(id, { last: 100 });
    const all = page.edges.map((edge) => edge.node);
    const missing = all[all.length - 3].seq;
    await store.write(userId, id, { messages: all.filter((m) => m.seq !== missing), lastRev: page.lastRev });

    const view = new ChannelView(client, id, { userId, pageSize: 2 });
    await view.open();
    const seqs = () => view.messages.map((m) => m.seq);
    expect(isContiguous(seqs())).toBe(true);
    while (view.hasOlder) await view.loadOlder();
    expect(seqs()).toEqual(all.map((m) => m.seq));
    view.close();
  });

  it('drops a cache whose changes since are more than the server replays, for the newest page as it is', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('far-behind', store);
    const id = await room(client);
    const gone = await say(id, 'deleted long ago');
    await owner.delete(gone.id);
    const page = await client.history(id, { last: 100 });
    // As cached more than 1,000 changes ago: the body still there, the cache's lastRev far behind the channel's.
    const stale = page.edges.map((edge) => (edge.node.id === gone.id ? { ...gone } : edge.node));
    await store.write(userId, id, { messages: stale, lastRev: page.lastRev - 1001 });

    const view = new ChannelView(client, id, { userId });
    await view.open();
    expect(view.messages.find((m) => m.id === gone.id)).toMatchObject({ body: '', deletedAt: expect.any(String) });
    const d = await say(id, 'after the drop');
    await viewUntil(view, () => view.messages.some((m) => m.id === d.id), 'a live message');
    expect(view.error).toBeUndefined();
    view.close();
  });

  it('forgets a cached channel the viewer may no longer read, and says why', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('leaver', store);
    const id = await room(client);
    await say(id, 'members only');
    const first = new ChannelView(client, id, { userId });
    await first.open();
    expect(await closeAndRead(first, store, userId)).toBeDefined();
    await client.leaveChannel(id);

    const again = new ChannelView(client, id, { userId });
    await expect(again.open()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(again.messages).toEqual([]);
    expect(await store.read(userId, id)).toBeUndefined();
  });

  it('writes nothing for a user once they signed out, even a change still waiting to be written', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('late-writer', store);
    const id = await room(client);
    const view = new ChannelView(client, id, { userId, cacheDelayMs: 60_000 });
    await view.open();
    await client.logout();
    view.close();
    await view.saved();
    expect(await store.read(userId, id)).toBeUndefined();
  });

  it('forgets the token and the cache when the server no longer knows the session', async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('revoked', store);
    const id = await room(client);
    const view = new ChannelView(client, id, { userId });
    await view.open();
    expect(await closeAndRead(view, store, userId)).toBeDefined();
    // The same session ended elsewhere (another device of theirs logged it out).
    const elsewhere = new ChatClient({ url: chat.server.url, token: client.token });
    await elsewhere.logout();
    expect(await client.me()).toBeNull();
    expect(client.token).toBeNull();
    expect(await store.read(userId, id)).toBeUndefined();
  });

  it("never shows a user another user's cache: a sign-in on the device claims it, a logout clears it", async () => {
    const store = new MemoryMessageStore();
    const { client, userId } = await connect('first-user', store);
    const id = await room(client);
    const view = new ChannelView(client, id, { userId });
    await view.open();
    expect(await closeAndRead(view, store, userId)).toBeDefined();
    // The same user on another session keeps it; another user signing in on this device does not.
    const me = (await client.me())!;
    const session = await anotherSession(chat.server, new TestUser(chat.server, client.token!, me.id, me.email));
    const sameUser = new ChatClient({ url: chat.server.url, token: session.token, messageStore: store });
    await sameUser.me();
    expect(await store.read(userId, id)).toBeDefined();
    const other = await connect('second-user', store);
    expect(await store.read(userId, id)).toBeUndefined();

    const general = defaultChannelId('general');
    const view2 = new ChannelView(other.client, general, { userId: other.userId });
    await view2.open();
    await socketState(other.client, 'connected');
    expect(await closeAndRead(view2, store, other.userId)).toBeDefined();
    await other.client.logout();
    expect(await store.read(other.userId, general)).toBeUndefined();
  });
});
