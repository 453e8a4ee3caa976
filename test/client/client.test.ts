import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  ChannelView,
  ChatClient,
  ChatError,
  DELETED_TEXT,
  displayRows,
  type Message,
  newClientMessageId,
  SendQueue,
} from '../../client';
import { FileQueueStorage } from '../../client/node';
import { Tier } from '../../src/entities';
import { defaultChannelId } from '../../src/services/channel.service';
import { TestUser, uniqueEmail, uniqueId } from '../support/chat';
import { FlakyNetwork, signInClient, socketState, until } from '../support/client';
import { count } from '../support/db';
import { eventually } from '../support/eventually';
import { markUntilHeard } from '../support/viewer-events';
import { eachProfile } from '../support/profiles';
import { codeIn } from '../support/smtp-sink';
import { anotherSession, useChatServer } from '../support/chat-server';
import type { TestServer } from '../support/test-server';

const seqsOf = (messages: readonly Message[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const isContiguous = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq === seqs[i - 1] + 1);

/** A `fetch` that records what it posts; `sendsPosted()` are the sendMessage requests among them. */
function recordingFetch() {
  const posted: string[] = [];
  return {
    fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      posted.push(typeof init?.body === 'string' ? init.body : '');
      return fetch(input, init);
    },
    sendsPosted: () => posted.filter((body) => body.includes('sendMessage')),
  };
}

/** Opens the client's socket with a subscription and resolves, once it is connected, with what ends it. */
async function holdSocket(client: ChatClient): Promise<() => void> {
  const connected = new Promise<void>((resolve) =>
    client.onConnectionChange((state) => state === 'connected' && resolve()),
  );
  const stop = client.followReadPositions(() => undefined);
  await connected;
  return stop;
}

describe.each(eachProfile)('client library (%s)', (_name, profile) => {
  let server: TestServer;
  /** The owner of the current test's room (a user of its own: sends are limited to 30 per 10 s per user). */
  let owner: TestUser;
  const clients: ChatClient[] = [];
  const dirs: string[] = [];

  const connect = async (tag: string, options = {}) => {
    const client = await signInClient(server, chat.sink, tag, options);
    clients.push(client);
    return client;
  };
  /** A PASSWORD channel of `owner`'s, joined by `client`, so each test counts its own messages. */
  const room = async (client: ChatClient) => {
    owner = await chat.signIn('owner', Tier.PRO);
    const id = await owner.createChannel('PASSWORD', uniqueId('room'), 'letmein');
    await client.joinChannel(id, 'letmein');
    return id;
  };
  /** `owner` sends a message; throws when the server refuses it. */
  const say = async (channelId: string, body: string) => {
    const res = await owner.send(channelId, body);
    if (res.errors) throw new Error(`send refused: ${JSON.stringify(res.errors)}`);
    return res.data!.sendMessage;
  };
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-client-'));
    dirs.push(dir);
    return dir;
  };

  const chat = useChatServer(profile, {
    relay: { sweepIntervalMs: 100, sweepAfterMs: 200 },
  });
  beforeAll(async () => {
    server = chat.server;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the mailed code, keeps the token, lists and joins channels, and logs out', async () => {
    const tokens: (string | null)[] = [];
    const client = new ChatClient({ url: server.url, webSocketImpl: WebSocket, onTokenChange: (t) => tokens.push(t) });
    clients.push(client);
    const email = uniqueEmail('Signer');
    const request = await client.requestLoginCode(email);
    expect(request.email).toBe(email.toLowerCase());
    await expect(client.verifyLoginCode(email, '000000')).rejects.toMatchObject({ code: 'INVALID_CODE' });
    const viewer = await client.verifyLoginCode(email, codeIn(await chat.sink.nextMailTo(email.toLowerCase())));
    expect(viewer).toMatchObject({ email: email.toLowerCase(), tier: 'FREE' });
    expect(tokens).toEqual([client.token]);
    expect(await client.me()).toEqual(viewer);

    const channels = await client.channels();
    expect(channels.map((c) => c.id)).toContain(defaultChannelId('general'));
    const club = await (await chat.signIn('owner', Tier.PRO)).createChannel('PASSWORD', uniqueId('club'), 'secret12');
    const wrong = await client.joinChannel(club, 'nope').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ChatError);
    expect(wrong).toMatchObject({ code: 'WRONG_PASSWORD', transient: false });
    expect(await client.joinChannel(club, 'secret12')).toMatchObject({ id: club, canAccess: true });

    await client.logout();
    expect(client.token).toBeNull();
    expect(tokens).toEqual([tokens[0], null]);
    expect(await client.me()).toBeNull();
    await expect(client.channels()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it("queues a burst of requests to the server's per-user quota (4 at once), so none is refused", async () => {
    let inFlight = 0;
    let most = 0;
    const counting = await connect('burst-counted', {
      fetch: async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
        most = Math.max(most, ++inFlight);
        try {
          return await fetch(input, init);
        } finally {
          inFlight--;
        }
      },
    });
    const answers = await Promise.allSettled(Array.from({ length: 12 }, () => counting.channels()));
    expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    expect(most).toBe(4);
  });

  it('sends over the socket it holds once one is open, over HTTP without one, each message stored once', async () => {
    const recorder = recordingFetch();
    const client = await connect('socket-sender', { fetch: recorder.fetch });
    const channelId = await room(client);
    const viaHttp = await client.sendMessage({ channelId, body: 'over HTTP', clientMessageId: newClientMessageId() });
    expect(recorder.sendsPosted()).toHaveLength(1);

    const stop = await holdSocket(client);
    const clientMessageId = newClientMessageId();
    const viaSocket = await client.sendMessage({ channelId, body: 'over the socket', clientMessageId });
    expect(viaSocket).toMatchObject({ channelId, seq: viaHttp.seq + 1, body: 'over the socket', clientMessageId });
    // A retry over the socket is answered with the stored message, as over HTTP.
    expect(await client.sendMessage({ channelId, body: 'over the socket', clientMessageId })).toEqual(viaSocket);
    // A refusal keeps its code.
    const refused = await client
      .sendMessage({ channelId: randomUUID(), body: 'nowhere', clientMessageId: newClientMessageId() })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'NOT_FOUND' });
    expect(recorder.sendsPosted()).toHaveLength(1);
    stop();
    expect(await count(server, 'messages', 'channel_id = ? and kind = ?', [channelId, 'USER'])).toBe(2);
  });

  describe('on a server that takes one operation at a time per socket', () => {
    const strict = useChatServer(profile, { env: { MAX_OPERATIONS_PER_SOCKET: '1' } });

    it('sends over HTTP what the socket refuses to run (its operations limit), and stores it once', async () => {
      const recorder = recordingFetch();
      const client = await signInClient(strict.server, strict.sink, 'socket-full', { fetch: recorder.fetch });
      clients.push(client);
      const channelId = defaultChannelId('general');
      // The subscription takes the socket's one place.
      const stop = await holdSocket(client);
      const clientMessageId = newClientMessageId();
      const sent = await client.sendMessage({ channelId, body: 'past a full socket', clientMessageId });
      expect(sent).toMatchObject({ channelId, body: 'past a full socket', clientMessageId });
      expect(recorder.sendsPosted()).toHaveLength(1);
      stop();
      expect(await count(strict.server, 'messages', 'client_message_id = ?', [clientMessageId])).toBe(1);
    });
  });

  it('reports a server that cannot be reached as a transient NETWORK_ERROR', async () => {
    const client = new ChatClient({ url: 'http://127.0.0.1:9' });
    const error = await client.channels().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', transient: true });
  });

  describe('ChannelView', () => {
    it('opens on the newest page, loads older pages in order, and merges live messages once each', async () => {
      const client = await connect('viewer');
      const id = await room(client);
      for (let i = 1; i <= 22; i++) await say(id, `history ${i}`);
      const total = (await client.channel(id))!.lastSeq;

      const view = new ChannelView(client, id, { pageSize: 10 });
      await view.open();
      expect(seqsOf(view.messages)).toEqual(range(total - 9, total));
      expect(view.hasOlder).toBe(true);
      expect(await view.loadOlder()).toBe(10);
      expect(await view.loadOlder()).toBe(total - 20);
      expect(view.hasOlder).toBe(false);
      expect(await view.loadOlder()).toBe(0);
      expect(seqsOf(view.messages)).toEqual(range(1, total));

      const mine = await client.sendMessage({ channelId: id, body: 'mine', clientMessageId: uniqueId('m') });
      view.add([mine]);
      await say(id, 'live 1');
      await until(
        (l) => view.onChange(l),
        () => view.messages.length === total + 2,
        'two live messages',
      );
      expect(seqsOf(view.messages)).toEqual(range(1, total + 2));
      expect(view.messages.slice(-2).map((m) => m.body)).toEqual(['mine', 'live 1']);
      view.close();
    });

    it("marks the newest message shown read, and the user's other devices follow the read position", async () => {
      const client = await connect('marker');
      const id = await room(client);
      for (let i = 1; i <= 8; i++) await say(id, `unread ${i}`);
      expect(await client.channel(id)).toMatchObject({ lastReadSeq: 0, unreadCount: 8 });
      // The same user on another device: a second session of theirs.
      const me = (await client.me())!;
      const session = await anotherSession(server, new TestUser(server, client.token!, me.id, me.email));
      const device = new ChatClient({ url: server.url, webSocketImpl: WebSocket, token: session.token });
      clients.push(device);
      const heard: { id: string; lastReadSeq: number; unreadCount: number }[] = [];
      const stop = device.followReadPositions((channel) => heard.push(channel));
      // Its subscription may not be open yet: marked one seq further at a time until it hears one.
      const heardAt = await markUntilHeard(
        (seq) => client.markRead(id, seq),
        { from: 1, to: 4 },
        () => heard.length > 0,
      );
      expect(heard[0]).toMatchObject({ id, lastReadSeq: heardAt });

      const view = new ChannelView(client, id);
      await view.open();
      const newest = view.messages.at(-1)!.seq;
      await view.markShown();
      await eventually(() => heard.some((c) => c.lastReadSeq === newest), 'the other device to hear the view mark');
      expect(heard.at(-1)).toMatchObject({ id, lastReadSeq: newest, unreadCount: 0 });
      expect(await client.channel(id)).toMatchObject({ lastReadSeq: newest, unreadCount: 0 });
      stop();
      view.close();
    });

    it('resumes after a dropped connection with afterSeq: the missed messages arrive once, then live ones', async () => {
      const network = new FlakyNetwork();
      const client = await connect('resumer', { webSocketImpl: network.WebSocket });
      const id = await room(client);
      await say(id, 'before');
      const view = new ChannelView(client, id);
      await view.open();
      await socketState(client, 'connected');
      // Counted before the send: the live copy may arrive before the mutation's answer.
      const seen = view.messages.length + 1;
      await say(id, 'live before the cut');
      await until(
        (l) => view.onChange(l),
        () => view.messages.length === seen,
        'the first live message',
      );

      network.cut();
      await socketState(client, 'reconnecting');
      const missed: number[] = [];
      for (let i = 1; i <= 5; i++) missed.push((await say(id, `missed ${i}`)).seq);
      network.restore();
      await until(
        (l) => view.onChange(l),
        () => view.messages.length === seen + 5,
        'the missed messages',
      );
      await say(id, 'after');
      await until(
        (l) => view.onChange(l),
        () => view.messages.length === seen + 6,
        'a live message after resuming',
      );

      const seqs = seqsOf(view.messages);
      expect(isContiguous(seqs)).toBe(true);
      expect(new Set(view.messages.map((m) => m.id)).size).toBe(seqs.length);
      // On the wire: the new socket carried each missed message once and nothing held before the cut.
      const delivered = network.frames
        .filter((f) => f.type === 'next' && f.payload.data?.messageAdded)
        .map((f) => f.payload.data.messageAdded.seq);
      expect(delivered).toEqual([...missed, missed[4] + 1]);
      expect(view.error).toBeUndefined();
      view.close();
    });

    it('applies edits and deletions live and those made while disconnected once, each message as last changed', async () => {
      const network = new FlakyNetwork();
      const client = await connect('changes', { webSocketImpl: network.WebSocket });
      const id = await room(client);
      const [a, b, c] = [await say(id, 'a'), await say(id, 'b'), await say(id, 'c')];
      const view = new ChannelView(client, id);
      await view.open();
      await socketState(client, 'connected');
      const shown = (message: { id: string }) => view.messages.find((m) => m.id === message.id);
      await owner.edit(a.id, 'a, edited live');
      await until(
        (l) => view.onChange(l),
        () => shown(a)?.body === 'a, edited live',
        'the live edit',
      );
      expect(shown(a)).toMatchObject({ editedAt: expect.any(String), rev: 1 });

      network.cut();
      await socketState(client, 'reconnecting');
      await owner.edit(b.id, 'b, edited while away');
      await owner.delete(c.id);
      const d = await say(id, 'd');
      await owner.edit(d.id, 'd, edited at once');
      network.restore();
      await until(
        (l) => view.onChange(l),
        () => shown(d)?.body === 'd, edited at once' && shown(c)?.deletedAt != null,
        'the changes made while away',
      );
      expect(view.messages.filter((m) => [a.id, b.id, c.id, d.id].includes(m.id))).toEqual([
        expect.objectContaining({ id: a.id, body: 'a, edited live', rev: 1 }),
        expect.objectContaining({ id: b.id, body: 'b, edited while away', rev: 2 }),
        expect.objectContaining({ id: c.id, body: '', rev: 3 }),
        expect.objectContaining({ id: d.id, body: 'd, edited at once', rev: 4 }),
      ]);
      // The new socket resumed the changes after the last one seen: each once, none held before the cut.
      const revs = network.frames
        .filter((f) => f.type === 'next' && f.payload.data?.messageChanged)
        .map((f) => f.payload.data.messageChanged.rev);
      expect(revs).toEqual([2, 3, 4]);
      const rows = displayRows(view.messages);
      expect(rows.find((r) => r.key === c.id)).toMatchObject({ body: DELETED_TEXT, deleted: true, edited: false });
      expect(rows.find((r) => r.key === b.id)).toMatchObject({ body: 'b, edited while away', edited: true });
      view.close();
    });

    it('shows a message deleted while its older page was on its way as deleted, not as the page read it', async () => {
      const network = new FlakyNetwork();
      // Answers to older-page requests wait, once the server has answered, until the test lets them through.
      let release: () => void = () => undefined;
      let held = false;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const client = await connect('pages', {
        webSocketImpl: network.WebSocket,
        fetch: async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
          const answer = await fetch(input, init);
          if (typeof init?.body === 'string' && init.body.includes('"before"')) {
            held = true;
            await gate;
          }
          return answer;
        },
      });
      const id = await room(client);
      const old = await say(id, 'an old message');
      for (let i = 1; i <= 5; i++) await say(id, `newer ${i}`);
      const view = new ChannelView(client, id, { pageSize: 5 });
      await view.open();
      await socketState(client, 'connected');
      expect(view.messages.some((m) => m.id === old.id)).toBe(false);

      const loading = view.loadOlder();
      await eventually(() => held, 'the older page read by the server');
      await owner.delete(old.id);
      await eventually(
        () => network.frames.some((f) => f.payload?.data?.messageChanged?.message.id === old.id),
        'the deletion heard live',
      );
      release();
      await loading;
      expect(view.messages.find((m) => m.id === old.id)).toMatchObject({ body: '', deletedAt: expect.any(String) });
      view.close();
    });

    it('ends with FORBIDDEN when the viewer leaves the channel', async () => {
      const client = await connect('leaver');
      const id = await room(client);
      const view = new ChannelView(client, id);
      await view.open();
      await socketState(client, 'connected');
      await client.leaveChannel(id);
      await until(
        (l) => view.onChange(l),
        () => view.error !== undefined,
        'the end of the subscription',
      );
      expect(view.error).toMatchObject({ code: 'FORBIDDEN' });
    });
  });

  describe('SendQueue', () => {
    it('keeps messages through a server stop mid-send and a client restart, then stores each once, in order', async () => {
      const client = await connect('queuer');
      const id = await room(client);
      const file = join(stateDir(), 'queue.json');
      const bodies = ['one', 'two', 'three', 'four', 'five'];

      const first = await SendQueue.open(client, { storage: new FileQueueStorage(file), retryDelayMs: () => 50 });
      const typed = bodies.slice(0, 3).map((body) => first.enqueue(id, body));
      await Promise.all([...typed, server.halt()]);
      for (const body of bodies.slice(3)) await first.enqueue(id, body);
      await until(
        (l) => first.onChange(l),
        () => first.list().some((e) => e.state === 'failed' && e.error?.code === 'NETWORK_ERROR'),
        'a send to fail while the server is down',
      );
      const unsent = first.list();
      expect(unsent.every((e) => e.state !== 'failed' || e.error?.retryable)).toBe(true);
      await first.close();

      await server.start();
      const sent: Message[] = [];
      const second = await SendQueue.open(client, { storage: new FileQueueStorage(file), retryDelayMs: () => 50 });
      second.onSent((message) => sent.push(message));
      expect(second.list().map((e) => e.body)).toEqual(unsent.map((e) => e.body));
      await second.idle();
      expect(second.list()).toEqual([]);
      await second.close();

      const stored = (await client.history(id, { last: 100 })).edges
        .map((e) => e.node)
        .filter((m) => m.kind === 'USER');
      expect(stored.map((m) => m.body)).toEqual(bodies);
      expect(isContiguous(stored.map((m) => m.seq))).toBe(true);
      // What the restarted queue sent is what was left, each answered once.
      expect(sent.map((m) => m.body)).toEqual(unsent.map((e) => e.body));
      expect(await new FileQueueStorage(file).load()).toEqual([]);
    });

    it('retries a send whose answer was lost with the same clientMessageId, and the server stores it once', async () => {
      let dropNextAnswer = true;
      const lossyFetch: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (dropNextAnswer && typeof init?.body === 'string' && init.body.includes('SendMessage')) {
          dropNextAnswer = false;
          throw new TypeError('connection reset after the request was sent');
        }
        return response;
      };
      const client = await connect('lossy', { fetch: lossyFetch });
      const id = await room(client);
      const queue = await SendQueue.open(client, { retryDelayMs: () => 50 });
      const states: string[] = [];
      queue.onChange(() => states.push(queue.list()[0]?.state ?? 'gone'));
      const sent = new Promise<[Message, number]>((resolve) => queue.onSent((m, e) => resolve([m, e.attempts])));
      const entry = await queue.enqueue(id, 'said once');
      const [message, attempts] = await sent;
      await queue.close();

      expect(attempts).toBe(2);
      expect(message).toMatchObject({ body: 'said once', clientMessageId: entry.clientMessageId });
      expect(states).toEqual(['pending', 'sending', 'failed', 'sending', 'gone']);
      const stored = (await client.history(id)).edges.filter((e) => e.node.clientMessageId === entry.clientMessageId);
      expect(stored.map((e) => e.node.id)).toEqual([message.id]);
    });

    it('marks permanent refusals failed without retrying them, and sends the messages behind them', async () => {
      const client = await connect('refused');
      const id = await room(client);
      const attempts: string[] = [];
      const queue = await SendQueue.open(
        {
          sendMessage: (input) => {
            attempts.push(input.body.slice(0, 10));
            return client.sendMessage(input);
          },
        },
        { retryDelayMs: () => 10 },
      );
      await queue.enqueue('no-such-channel', 'lost');
      await queue.enqueue(id, 'x'.repeat(4001));
      await queue.enqueue(id, 'fine');
      await queue.idle();
      await queue.close();

      expect(queue.list().map((e) => [e.body.slice(0, 10), e.state, e.error?.code, e.error?.retryable])).toEqual([
        ['lost', 'failed', 'NOT_FOUND', false],
        ['xxxxxxxxxx', 'failed', 'BAD_USER_INPUT', false],
      ]);
      expect(attempts).toEqual(['lost', 'xxxxxxxxxx', 'fine']);
      const stored = (await client.history(id)).edges.map((e) => e.node.body);
      expect(stored).toContain('fine');
      expect(stored).not.toContain('x'.repeat(4001));
    });
  });
});
