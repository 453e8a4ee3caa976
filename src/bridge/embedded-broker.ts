import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';
import type { BrokerAccess, BrokerIdentity } from './broker-access';

/** The embedded Aedes broker of the default profile: MQTT on a TCP port, and MQTT over WebSockets at /mqtt. */
export interface EmbeddedBroker {
  /** The TCP port it listens on (useful when started on port 0). */
  readonly port: number;
  /** The account of the server's own client (a random password per process). */
  readonly serverCredentials: { username: string; password: string };
  /** Serves one MQTT-over-WebSocket connection (the HTTP server routes /mqtt upgrades here). */
  handleWebSocket(socket: WebSocket, request: IncomingMessage): void;
  /**
   * Turns on access for users: until then only the server's own client may connect. Every `checkMs` the broker
   * disconnects the clients whose session has ended.
   */
  enforce(access: BrokerAccess, checkMs: number): void;
  /**
   * Disconnects a user's clients after their access changed (as Mosquitto does when a client's roles change): they
   * reconnect, and their subscriptions are checked again.
   */
  accessChanged(userId: string): void;
  /** Stops listening and disconnects every client. */
  close(): Promise<void>;
}

const SERVER_USERNAME = 'chat-server';

/**
 * Starts the embedded broker on `host:port`. It enforces the rules of direct access itself: credentials checked at
 * CONNECT (from `mqttCredentials`), subscriptions only to the channel topics the user can read (others get a failure
 * SUBACK), and publications from nobody but the server.
 *
 * @throws the listen error (EADDRINUSE and the like) when the port cannot be bound; nothing stays open then.
 */
export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const serverPassword = Buffer.from(randomBytes(24).toString('base64url'));
  const identities = new WeakMap<Client, BrokerIdentity>();
  let access: BrokerAccess | undefined;
  let sweep: NodeJS.Timeout | undefined;

  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (
        username === SERVER_USERNAME &&
        password?.length === serverPassword.length &&
        timingSafeEqual(password, serverPassword)
      ) {
        identities.set(client, { kind: 'server' });
        done(null, true);
        return;
      }
      const refuse = () =>
        done(Object.assign(new Error('Bad user name or password'), { returnCode: 4 as const }), false);
      if (!access) return refuse();
      access.authenticate(username, password, client.id).then(
        (identity) => {
          if (!identity) return refuse();
          identities.set(client, identity);
          done(null, true);
        },
        () => refuse(),
      );
    },
    // Only the server publishes (null is the broker itself); anyone else's publication is dropped and the client
    // disconnected.
    authorizePublish: (client, _packet, callback) =>
      callback(
        client === null || identities.get(client)?.kind === 'server'
          ? null
          : new Error('Only the server publishes here'),
      ),
    authorizeSubscribe: (client, subscription, callback) => {
      const identity = identities.get(client);
      if (!identity) return callback(null, null);
      if (identity.kind === 'server') return callback(null, subscription);
      if (!access) return callback(null, null);
      access.maySubscribe(identity, subscription.topic).then(
        (allowed) => callback(null, allowed ? subscription : null),
        () => callback(null, null),
      );
    },
  });
  const users = new Map<Client, Extract<BrokerIdentity, { kind: 'user' }>>();
  broker.on('client', (client) => {
    const identity = identities.get(client);
    if (identity?.kind === 'user') users.set(client, identity);
  });
  broker.on('clientDisconnect', (client) => users.delete(client));
  // Nagle's algorithm off, as on the server's own client (see disableNagle): QoS 1 traffic is small packets.
  const server: Server = createServer({ noDelay: true }, (socket) => broker.handle(socket));
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

  const closeEndedSessions = async () => {
    if (!access) return;
    if (users.size === 0) return;
    const ended = await access.endedSessions([...new Set([...users.values()].map((identity) => identity.sessionId))]);
    for (const [client, identity] of users) if (ended.has(identity.sessionId)) client.close();
  };

  return {
    port: (server.address() as AddressInfo).port,
    serverCredentials: { username: SERVER_USERNAME, password: serverPassword.toString() },
    handleWebSocket: (socket, request) => broker.handle(createWebSocketStream(socket), request),
    enforce: (rules, checkMs) => {
      access = rules;
      sweep = setInterval(() => void closeEndedSessions().catch(() => undefined), checkMs);
      sweep.unref();
    },
    accessChanged: (userId) => {
      for (const [client, identity] of users) if (identity.userId === userId) client.close();
    },
    close: async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
