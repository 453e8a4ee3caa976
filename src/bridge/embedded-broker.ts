import { createServer, type AddressInfo, type Server } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { Aedes } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';

/** The embedded Aedes broker of the default profile: MQTT on a TCP port, and MQTT over WebSockets at /mqtt. */
export interface EmbeddedBroker {
  /** The TCP port it listens on (useful when started on port 0). */
  readonly port: number;
  /** Serves one MQTT-over-WebSocket connection (the HTTP server routes /mqtt upgrades here). */
  handleWebSocket(socket: WebSocket, request: IncomingMessage): void;
  /** Stops listening and disconnects every client. */
  close(): Promise<void>;
}

/**
 * Starts the embedded broker on `host:port`.
 *
 * @throws the listen error (EADDRINUSE and the like) when the port cannot be bound; nothing stays open then.
 */
export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer((socket) => broker.handle(socket));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  return {
    port: (server.address() as AddressInfo).port,
    handleWebSocket: (socket, request) => broker.handle(createWebSocketStream(socket), request),
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
