import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** What a socket may hold unsent before a send waits for the network again (64 KiB). */
export const COALESCE_MAX_BUFFERED = 64 * 1024;

/** Sockets corked during this turn of the event loop, uncorked together at its end. */
const corked = new Set<Socket>();

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Makes the frames a WebSocket is sent during one turn of the event loop go out in one write, and answers a send
 * at once while what the socket holds unsent stays under `maxBuffered`.
 *
 * graphql-ws sends a subscription's results one at a time, each after the last one's write was answered, and `ws`
 * writes each frame with a system call of its own: a replay of 1,000 messages was 1,000 writes, one per turn of the
 * event loop. With this, the frames of every result that is ready go out together, and the client reads them
 * together. A socket whose client reads slowly still holds at most about `maxBuffered` (plus one frame): past it a
 * send is answered only when the socket has written it, as before.
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
    if (!corked.has(raw) && !raw.destroyed) {
      if (corked.size === 0) setImmediate(uncorkAll);
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
