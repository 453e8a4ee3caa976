import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TestUser } from './chat';
import type { TestServer } from './test-server';

/** A direct MQTT client on a topic, as a mobile app would be, keeping every payload it receives. */
export class MqttListener {
  readonly payloads: { topic: string; text: string }[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.payloads.push({ topic, text: payload.toString('utf8') });
      this.waiters = this.waiters.filter((w) => (this.payloads.length >= w.count ? (w.resolve(), false) : true));
    });
  }

  static async open(url: string, topic: string, options: IClientOptions = {}): Promise<MqttListener> {
    return MqttListener.connect(await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options }), topic);
  }

  /** Listens on a client already connected. */
  static async connect(client: MqttClient, topic: string): Promise<MqttListener> {
    const listener = new MqttListener(client);
    await client.subscribeAsync(topic, { qos: 1 });
    return listener;
  }

  get json(): any[] {
    return this.payloads.map((p) => JSON.parse(p.text));
  }

  received(count: number, timeoutMs = 20_000): Promise<void> {
    if (this.payloads.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${count} MQTT payloads, got ${this.payloads.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}

/**
 * A direct MQTT client of `user` on a test server's broker: with the credentials of `mqttCredentials` (which the
 * embedded broker requires), or anonymous on an external broker without access control.
 */
export async function directClient(server: TestServer, user: TestUser): Promise<MqttClient> {
  if (!server.app.broker.embedded) return mqtt.connectAsync(server.app.broker.url, { reconnectPeriod: 0 });
  const res = await user.gql('{ mqttCredentials { url username password clientId } }');
  const c = res.data!.mqttCredentials;
  return mqtt.connectAsync(c.url, {
    username: c.username,
    password: c.password,
    clientId: c.clientId,
    reconnectPeriod: 0,
  });
}

/** The broker credentials `mqttCredentials` answers (the fields a connection needs). */
export interface BrokerCredentials {
  url: string;
  username: string;
  password: string;
  clientId: string;
}

/** Connects with a session's broker credentials, as a mobile app does, without reconnecting by itself. */
export function connectWith(c: BrokerCredentials, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(c.url, {
    username: c.username,
    password: c.password,
    clientId: c.clientId,
    reconnectPeriod: 0,
    ...options,
  });
}
