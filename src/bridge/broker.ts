import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Quota } from '../quota';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';

/** The server's connection to its MQTT broker: the broker (or cluster) at MQTT_URL, or the embedded Aedes broker. */
export interface BrokerConnection {
  readonly client: MqttClient;
  /** Set when the broker runs inside this process. */
  readonly embedded: EmbeddedBroker | undefined;
  /** The address the server's own client connects to. */
  readonly url: string;
  /** Whether the broker answers now (the client is connected). */
  isReady(): boolean;
  /** Starts connecting, when `connectBroker` was told to `defer` (a no-op otherwise, or when called again). */
  connect(): void;
  /**
   * Ends the client at once, then stops the embedded broker if there is one. Publications still queued are dropped:
   * their messages stay unpublished in the database, and a sweeper republishes them.
   */
  close(): Promise<void>;
}

export interface BrokerOptions {
  /** The account of the server's own client on an external broker (default MQTT_USERNAME / MQTT_PASSWORD). */
  account?: { username: string; password: string };
  /** How long `connectBroker` waits for a first connection before it returns anyway (the client keeps trying). */
  connectTimeoutMs?: number;
  /** Connections per client address, which the embedded broker's TCP port counts too. */
  addresses?: Quota;
  /**
   * Make no connection until `connect()` is called: for a broker that asks this server's own HTTP callbacks about
   * the server's account (MQTT_ACCESS_CONTROL=http), which answer only once the server listens. What is subscribed
   * or published meanwhile waits, as while a broker is down.
   */
  defer?: boolean;
}

/**
 * Connects to the broker: MQTT_URL when set, otherwise an embedded broker started on MQTT_EMBEDDED_PORT.
 *
 * An external broker that is down at start does not stop the server: the client reconnects every second,
 * and /readyz answers 503 until it is connected.
 *
 * @throws when the embedded broker's port cannot be bound.
 */
export async function connectBroker(
  config: Config,
  logger: Logger,
  options: BrokerOptions = {},
): Promise<BrokerConnection> {
  const embedded = config.mqtt.url
    ? undefined
    : await startEmbeddedBroker({
        host: config.mqtt.embeddedHost,
        port: config.mqtt.embeddedPort,
        maxPacketBytes: config.mqtt.maxPacketBytes,
        addresses: options.addresses,
      });
  const url = config.mqtt.url ?? `mqtt://${localAddress(config.mqtt.embeddedHost)}:${embedded!.port}`;
  const client = mqtt.connect(url, {
    // The nodes of a clustered broker (MQTT_URL a list): a lost connection is made again to the next node.
    ...(config.mqtt.urls.length > 1 ? { servers: config.mqtt.urls.map(serverOf) } : {}),
    clientId: `chat-server-${randomUUID()}`,
    manualConnect: options.defer === true,
    username: embedded ? embedded.serverCredentials.username : (options.account?.username ?? config.mqtt.username),
    password: embedded ? embedded.serverCredentials.password : (options.account?.password ?? config.mqtt.password),
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    // A refused login (an account not created yet, or lost with the broker's state) is retried like any other
    // failure: mqtt.js would otherwise stop reconnecting for good.
    reconnectOnConnackError: true,
  });
  disableNagle(client);
  client.on('error', (error) => logger.warn({ err: error }, 'MQTT broker error'));
  client.on('offline', () => logger.warn({ url }, 'MQTT broker unreachable; reconnecting'));
  client.on('connect', () => logger.info({ url, embedded: Boolean(embedded) }, 'MQTT broker connected'));

  let started = options.defer !== true;
  if (started) await firstConnection(client, options.connectTimeoutMs ?? 5000);

  return {
    client,
    embedded,
    url,
    isReady: () => client.connected,
    connect: () => {
      if (started) return;
      started = true;
      client.connect();
    },
    close: async () => {
      await client.endAsync(true);
      await embedded?.close();
    },
  };
}

/** Resolves on the client's first connection, or after `ms` (the client keeps trying on its own). */
export function firstConnection(client: MqttClient, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Turns Nagle's algorithm off on an MQTT client's TCP socket, now and on every new socket when it reconnects (a no-op
 * on a WebSocket stream). With it on, a QoS 1 PUBLISH written while the client's previous small packet (a PUBACK)
 * is unacknowledged waits for the broker's delayed ACK, up to 40 ms on Linux: at 200 messages/s that held each
 * message a median 23 ms between its commit and the broker (bench scenario 2). Returns the client.
 */
export function disableNagle(client: MqttClient): MqttClient {
  const apply = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  apply();
  // The CONNECT packet is the first write on each new socket: after a reconnection the client resends what was
  // in flight before it emits 'connect', and that backlog should not wait on delayed ACKs either.
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') apply();
  });
  return client;
}

/** One node of a clustered broker, as mqtt.js takes it. */
function serverOf(url: string): {
  host: string;
  port: number;
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp' | 'ssl';
} {
  const parsed = new URL(url);
  const protocol = parsed.protocol.slice(0, -1) as 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp' | 'ssl';
  const defaults = { mqtt: 1883, tcp: 1883, mqtts: 8883, ssl: 8883, ws: 80, wss: 443 };
  return { host: parsed.hostname, port: Number(parsed.port) || defaults[protocol], protocol };
}

/** An address this process reaches a listener on `host` by (the loopback address for a wildcard). */
function localAddress(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
