import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { COALESCE_MAX_BUFFERED, coalesceWrites } from '../../src/http/coalesced-writes';

/** The end of this turn of the event loop (after the sockets corked in it were uncorked). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A `ws` server whose sockets coalesce their writes, and one client connected to it. */
async function connectedPair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) =>
    wss.once('connection', (socket) => {
      coalesceWrites(socket);
      resolve(socket);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  return {
    server,
    client,
    /** The server side's TCP socket. */
    raw: (server as unknown as { _socket: Socket })._socket,
    close: async () => {
      client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** Sends a frame and resolves once the send is answered, as graphql-ws awaits each of a subscription's results. */
const sendAwaited = (socket: WebSocket, data: string) =>
  new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));

describe('coalesceWrites', () => {
  it('sends the frames of results sent one after another in a few writes, all of them, in order', async () => {
    const pair = await connectedPair();
    try {
      let writes = 0;
      for (const method of ['_write', '_writev'] as const) {
        const raw = pair.raw as unknown as Record<string, (...args: unknown[]) => void>;
        const original = raw[method].bind(pair.raw);
        raw[method] = (...args: unknown[]) => {
          writes++;
          original(...args);
        };
      }
      const received: string[] = [];
      const all = new Promise<void>((resolve) =>
        pair.client.on('message', (data: Buffer) => {
          received.push(data.toString());
          if (received.length === 500) resolve();
        }),
      );
      for (let i = 0; i < 500; i++) await sendAwaited(pair.server, `frame ${i}`);
      await all;
      expect(received).toEqual(Array.from({ length: 500 }, (_, i) => `frame ${i}`));
      // One write per frame without coalescing.
      expect(writes).toBeLessThan(10);
    } finally {
      await pair.close();
    }
  });

  it('answers a send on a closing socket with the error ws gives, not at once', async () => {
    const pair = await connectedPair();
    try {
      pair.server.close();
      await expect(sendAwaited(pair.server, 'too late')).rejects.toThrow('WebSocket is not open');
    } finally {
      await pair.close();
    }
  });

  it('writes the first frame of a turn at once, answers the next ones at once while little is unsent, and only once written when the client reads too slowly', async () => {
    const pair = await connectedPair();
    try {
      // A socket's first frame of a turn is written at once (a message fanned out reaches the first sockets first).
      pair.server.send('first');
      expect(pair.raw.writableLength).toBe(0);
      // The next one is answered before it is written: it waits, corked, for the end of the turn.
      let answered = false;
      pair.server.send('early', () => (answered = true));
      await Promise.resolve();
      expect(answered).toBe(true);
      expect(pair.raw.writableLength).toBeGreaterThan(0);

      // A client that stops reading: the kernel's buffers fill, then the socket's own.
      (pair.client as unknown as { _socket: Socket })._socket.pause();
      const big = 'x'.repeat(256 * 1024);
      while (pair.server.bufferedAmount < COALESCE_MAX_BUFFERED) {
        pair.server.send(big);
        await nextTurn();
      }
      let written = false;
      pair.server.send('first of this turn');
      const late = sendAwaited(pair.server, 'late').then(() => (written = true));
      await nextTurn();
      await nextTurn();
      expect(written).toBe(false);

      // Once the client reads again, the socket drains and the send is answered.
      (pair.client as unknown as { _socket: Socket })._socket.resume();
      await late;
      expect(written).toBe(true);
    } finally {
      await pair.close();
    }
  });
});
