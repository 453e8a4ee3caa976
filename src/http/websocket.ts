import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocketServer, type WebSocket } from 'ws';
import type { Quota } from '../quota';

/** WebSocket endpoints by path; an upgrade to any other path is refused with 404. */
export type UpgradeRoutes = Record<string, WebSocketServer>;

export interface UpgradeOptions {
  /** The client address of a request, read as Express reads it (TRUST_PROXY). */
  clientAddress: (request: IncomingMessage) => string;
  /** Counts connections per client address, over every route and the embedded broker's TCP port. */
  addresses: Quota;
}

/** Routes the HTTP server's upgrade requests to the WebSocket server of their path, within each address's quota. */
export function routeUpgrades(httpServer: Server, routes: UpgradeRoutes, options: UpgradeOptions): void {
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const wss = routes[path];
    if (!wss) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const release = options.addresses.take(options.clientAddress(request));
    if (!release) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.once('close', release);
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => wss.emit('connection', ws, request));
  });
}

/** Ends every socket of a WebSocket server and stops it. */
export async function closeWebSocketServer(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
