import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import { createWebSocketStream, type WebSocket } from 'ws';
import type { BrokerAccess, BrokerIdentity } from './broker-access';
import { MqttPacketLimit, throughLimit } from './mqtt-packet-limit';
import { boundedQueues } from './bounded-queues';
import { RefusedPublishes } from './refused-publishes';
import type { Quota } from '../quota';

type UserIdentity = Extract<BrokerIdentity, { kind: 'user' }>;

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
   * disconnects the clients whose session has ended and forgets their persistent sessions.
   */
  enforce(access: BrokerAccess, checkMs: number): void;
  /**
   * After a user's access changed: their clients stop receiving what they may no longer read at once, are
   * disconnected (as Mosquitto does when a client's roles change) and have their subscriptions checked again when
   * they reconnect; the persistent sessions of the user's offline clients lose the subscriptions they may no longer
   * hold.
   */
  accessChanged(userId: string): void;
  /** After a session ended (logout): disconnects its clients and forgets its persistent session, at once. */
  sessionEnded(sessionId: string): void;
  /** Stops listening and disconnects every client. */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** The largest packet a client may send, header included; a larger one ends its connection before it is read. */
  maxPacketBytes: number;
  /** How many QoS 1 messages wait for one persistent session at most (Mosquitto's `max_queued_messages`). */
  queueLimit?: number;
  /** Connections per client address (shared with the HTTP server's WebSockets); over it a connection is closed. */
  addresses?: Quota;
}

const SERVER_USERNAME = 'chat-server';

/**
 * Starts the embedded broker. It enforces the rules of direct access itself: credentials and the session's client id
 * checked at CONNECT (from `mqttCredentials`), subscriptions only to the channel topics the user can read (others get
 * a failure SUBACK), every message checked again as it is forwarded, live or from a persistent session's queue (so
 * nothing reaches a client whose user can no longer read its channel), and publications from nobody but the server:
 * a user client's PUBLISH is acknowledged (PUBACK, PUBREC) and dropped unread, as Mosquitto does for an MQTT 3.1.1
 * client it does not authorise, and its connection stays open. Refused credentials get CONNACK 5 (not authorised),
 * as from Mosquitto's dynamic security plugin. MQTT 3.1.1 and 3.1 only (Aedes 1.x): a CONNECT of MQTT 5 gets CONNACK
 * 1 (unacceptable protocol version) and the connection is closed. Packets over `maxPacketBytes` end their connection
 * before they are buffered, on TCP and WebSockets alike.
 *
 * @throws the listen error (EADDRINUSE and the like) when the port cannot be bound; nothing stays open then.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const serverPassword = Buffer.from(randomBytes(24).toString('base64url'));
  const identities = new WeakMap<Client, BrokerIdentity>();
  /** The channels each user client may read, read at CONNECT: what `authorizeForward` checks synchronously. */
  const readable = new WeakMap<Client, Set<string>>();
  /**
   * Per user, a count of access changes, so a client that authenticated while one happened is not left stale. Past
   * 100,000 users the counts start again in a new epoch, and every client authenticated in the old one counts as
   * stale (it reconnects once): the map stays bounded without ever forgetting a change a client has not seen.
   */
  const changes = new Map<string, number>();
  let epoch = 0;
  const changeOf = (userId: string) => `${epoch}:${changes.get(userId) ?? 0}`;
  const seenChanges = new WeakMap<Client, string>();
  const users = new Map<Client, UserIdentity>();
  /** Each connection's packet limit, lifted for the server's own client (whose messages are bounded by the rules). */
  const limits = new WeakMap<Client, MqttPacketLimit>();
  /** Turns on the connection's RefusedPublishes, for a user client once its CONNACK is sent. */
  const refusals = new WeakMap<Client, () => void>();
  /** Each TCP connection's place in its address's quota, given back at once by the server's own client. */
  const places = new WeakMap<Client, () => void>();
  /** The sessions whose clients connected with a persistent session, by client id (the memory store holds those). */
  const persistent = new Map<string, UserIdentity>();
  let access: BrokerAccess | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const persistence = boundedQueues(options.queueLimit ?? 1000);

  const broker = await Aedes.createBroker({
    persistence,
    authenticate: (client, username, password, done) => {
      if (
        username === SERVER_USERNAME &&
        password?.length === serverPassword.length &&
        timingSafeEqual(password, serverPassword)
      ) {
        identities.set(client, { kind: 'server' });
        limits.get(client)?.lift();
        places.get(client)?.();
        done(null, true);
        return;
      }
      const refuse = () => done(Object.assign(new Error('Not authorized'), { returnCode: 5 as const }), false);
      if (!access) return refuse();
      const rules = access;
      rules
        .authenticate(username, password, client.id)
        .then(async (identity) => {
          if (!identity || identity.kind !== 'user') return refuse();
          let seen: string;
          let channels: Set<string>;
          do {
            seen = changeOf(identity.userId);
            channels = new Set(await rules.readableChannelIds(identity.userId));
          } while (changeOf(identity.userId) !== seen);
          identities.set(client, identity);
          readable.set(client, channels);
          seenChanges.set(client, seen);
          done(null, true);
        })
        .catch(() => refuse());
    },
    // Only the server publishes (null is the broker itself). A user client's PUBLISH read after its CONNACK does not
    // come here (RefusedPublishes acknowledges and drops it); one read before, or malformed, is refused here, which
    // closes the connection (Aedes has no other way to refuse one), and so is a user client's will.
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
    // Every message on its way to a client, live or from a persistent session's queue, the queue included: a
    // subscription made while the user could read the channel delivers nothing once they cannot.
    authorizeForward: (client, packet) => {
      const identity = identities.get(client);
      if (identity?.kind === 'server') return packet;
      if (!identity || !access) return null;
      const channelId = access.channelOfTopic(packet.topic);
      return channelId !== undefined && readable.get(client)?.has(channelId) ? packet : null;
    },
  });
  broker.on('client', (client) => {
    const identity = identities.get(client);
    if (identity?.kind !== 'user') return;
    users.set(client, identity);
    if (!client.clean) persistent.set(client.id, identity);
    // Access changed between its CONNECT and now: it must connect again to be checked again.
    if (changeOf(identity.userId) !== seenChanges.get(client)) client.close();
  });
  // From its CONNACK on (an acknowledgement may not come before it), a user client's PUBLISH packets are dropped.
  broker.on('connackSent', (packet, client) => {
    if (packet.returnCode === 0 && identities.get(client)?.kind === 'user') refusals.get(client)?.();
  });
  broker.on('clientDisconnect', (client) => users.delete(client));
  const serve = (connection: Duplex, request?: IncomingMessage) => {
    const limit = new MqttPacketLimit(options.maxPacketBytes);
    const refused = new RefusedPublishes();
    const stream = throughLimit(connection, limit, refused);
    const client = broker.handle(stream, request);
    limits.set(client, limit);
    // Written to the stream Aedes writes to, so an acknowledgement never lands inside one of its packets.
    refusals.set(client, () =>
      refused.refuse((ack) => {
        if (!client.closed && !stream.destroyed) stream.write(ack);
      }),
    );
    return client;
  };
  // Nagle's algorithm off, as on the server's own client (see disableNagle): QoS 1 traffic is small packets.
  const server: Server = createServer({ noDelay: true }, (socket) => {
    const release = options.addresses?.take(socket.remoteAddress ?? 'unknown');
    if (options.addresses && !release) {
      socket.destroy();
      return;
    }
    const client = serve(socket);
    if (release) {
      socket.once('close', release);
      places.set(client, release);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }

  /** Forgets a persistent session: its subscriptions (so nothing more is queued) and its queue. */
  const forget = (clientId: string) => {
    persistent.delete(clientId);
    void persistence.forget(clientId).catch(() => undefined);
  };
  const closeSession = (sessionId: string) => {
    for (const [client, identity] of users) if (identity.sessionId === sessionId) client.close();
    for (const [clientId, identity] of persistent) if (identity.sessionId === sessionId) forget(clientId);
  };
  const closeEndedSessions = async () => {
    if (!access) return;
    const sessions = new Set([...users.values(), ...persistent.values()].map((identity) => identity.sessionId));
    if (sessions.size === 0) return;
    for (const sessionId of await access.endedSessions([...sessions])) closeSession(sessionId);
  };
  /** Drops, from the persistent sessions of a user's offline clients, the subscriptions they may no longer hold. */
  const dropLostSubscriptions = async (userId: string) => {
    if (!access) return;
    const clientIds = [...persistent].filter(([, identity]) => identity.userId === userId).map(([id]) => id);
    if (clientIds.length === 0) return;
    const allowed = new Set(await access.readableChannelIds(userId));
    for (const id of clientIds) {
      const subscriptions = await persistence.subscriptionsByClient({ id });
      const lost = subscriptions
        .map((s) => s.topic)
        .filter((topic) => {
          const channelId = access!.channelOfTopic(topic);
          return channelId === undefined || !allowed.has(channelId);
        });
      if (lost.length > 0) await persistence.removeSubscriptions({ id }, lost);
    }
  };

  return {
    port: (server.address() as AddressInfo).port,
    serverCredentials: { username: SERVER_USERNAME, password: serverPassword.toString() },
    handleWebSocket: (socket, request) => serve(createWebSocketStream(socket), request),
    enforce: (rules, checkMs) => {
      access = rules;
      sweep = setInterval(() => void closeEndedSessions().catch(() => undefined), checkMs);
      sweep.unref();
    },
    accessChanged: (userId) => {
      // Nothing more is forwarded until the user's clients reconnect and their access is read again.
      if (changes.size >= 100_000) {
        changes.clear();
        epoch += 1;
      }
      changes.set(userId, (changes.get(userId) ?? 0) + 1);
      for (const [client, identity] of users) {
        if (identity.userId !== userId) continue;
        readable.delete(client);
        client.close();
      }
      void dropLostSubscriptions(userId).catch(() => undefined);
    },
    sessionEnded: (sessionId) => closeSession(sessionId),
    close: async () => {
      clearInterval(sweep);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
