/** MQTT topic names: `{prefix}/channel/{channelId}` and `{prefix}/control/…`, the prefix being MQTT_TOPIC_PREFIX. */
export class Topics {
  constructor(readonly prefix: string) {}

  channel(channelId: string): string {
    return `${this.prefix}/channel/${channelId}`;
  }

  /** Where server instances tell each other of sessions that ended (only servers publish or subscribe here). */
  get sessionsEnded(): string {
    return `${this.prefix}/control/session-ended`;
  }

  /** Where server instances tell each other of read positions that moved (only servers publish or subscribe here). */
  get readMoved(): string {
    return `${this.prefix}/control/read-moved`;
  }

  /** Where server instances tell each other of deleted channels (only servers publish or subscribe here). */
  get channelDeleted(): string {
    return `${this.prefix}/control/channel-deleted`;
  }
}
