import mqtt, { type MqttClient } from 'mqtt';

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

  static async open(url: string, topic: string): Promise<MqttListener> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
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
