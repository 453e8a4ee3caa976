import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** What a socket may hold unsent before a send waits for the network again (64 KiB). */
export const COALESCE_MAX_BUFFERED = 64 * 1024;

/** Sockets that wrote a frame during this turn of the event loop. */
const wrote = new Set<Socket>();
/** Sockets corked during this turn of the event loop (their second frame on), uncorked together at its end. */
const corked = new Set<Socket>();

function endTurn(): void {
  wrote.clear();
  const sockets = [...corked];
  corked.clear();
  for (const socket of sockets) {
    try {
      socket.uncork();
    } catch {
      // A socket that fails to write reports it as its error event (and closes); the others still go out.
    }
  }
}

/**
 * Makes the frames a WebSocket is sent during one turn of the event loop after its first go out in one write, and
 * answers those sends at once while what the socket holds unsent stays under `maxBuffered`.
 *
 * graphql-ws sends a subscription's results one at a time, each after the last one's write was answered, and `ws`
 * writes each frame with a system call of its own: a replay of 1,000 messages was 1,000 writes, one per turn of the
 * event loop. With this, the first frame of a turn goes out as before and the frames of every result that is ready
 * after it go out together at the end of the turn, and the client reads them together. A socket whose client reads slowly holds at most about `maxBuffered` unsent, plus one frame per operation
 * in progress on it: past it a send is answered only when the socket has written it, as before.
 *
 * A write that fails closes the socket (`ws` reports it as the socket's error), which ends its operations; the sends
 * answered early are not told.
 */
export function coalesceWrites(socket: WebSocket, maxBuffered = COALESCE_MAX_BUFFERED): void {
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (!raw) return;
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  socket.send = ((data: unknown, optionsOrCb?: unknown, maybeCb?: (err?: Error) => void) => {
    const cb = typeof optionsOrCb === 'function' ? (optionsOrCb as (err?: Error) => void) : maybeCb;
    if (typeof optionsOrCb === 'object' && optionsOrCb !== null) {
      // Options (binary frames, compression) are not ours to coalesce: sent as asked.
      send(data, optionsOrCb, cb);
      return;
    }
    if (socket.readyState !== socket.OPEN) {
      // ws answers a send on a closing socket with an error; so does this.
      send(data, cb);
      return;
    }
    if (!wrote.has(raw)) {
      // A socket's first frame of a turn goes out at once, as without this: a message fanned out to many sockets
      // (one frame each) reaches the first of them while the server still writes to the others.
      if (wrote.size === 0 && corked.size === 0) setImmediate(endTurn);
      wrote.add(raw);
      send(data, cb);
      return;
    }
    if (!corked.has(raw) && !raw.destroyed) {
      raw.cork();
      corked.add(raw);
    }
    if (!cb || socket.bufferedAmount >= maxBuffered) {
      send(data, cb);
      return;
    }
    send(data);
    queueMicrotask(() => cb());
  }) as WebSocket['send'];
}
