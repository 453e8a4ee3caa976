/** MQTT topic names: `{prefix}/channel/{channelId}`, the prefix being MQTT_TOPIC_PREFIX. */
export class Topics {
  constructor(readonly prefix: string) {}

  channel(channelId: string): string {
    return `${this.prefix}/channel/${channelId}`;
  }
}
