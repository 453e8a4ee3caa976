/**
 * How RabbitMQ's MQTT plugin names what it makes for MQTT clients (3.10): the broker-side names the HTTP callbacks
 * and the management API see.
 */

/**
 * The MQTT topic of a routing key under the topic prefix, or undefined for a key outside it. RabbitMQ's MQTT plugin
 * writes a topic's `/` as `.` and MQTT's wildcard `+` as `*` (`#` stays), and leaves dots inside a level as they are:
 * so the prefix (one level, which may hold dots) is matched as it is, and the levels after it are read back.
 */
export function mqttTopicOf(routingKey: string, prefix: string): string | undefined {
  const head = `${prefix}.`;
  if (!routingKey.startsWith(head)) return undefined;
  return `${prefix}/${routingKey.slice(head.length).replace(/[.*]/g, (c) => (c === '.' ? '/' : '+'))}`;
}

/** The queues that hold an MQTT client's subscriptions: one for QoS 0, one for QoS 1 (a persistent session's). */
export function subscriptionQueues(clientId: string): string[] {
  return [`mqtt-subscription-${clientId}qos0`, `mqtt-subscription-${clientId}qos1`];
}

/** The MQTT client id whose subscriptions a queue holds, or undefined for any other queue. */
export function clientIdOfQueue(queue: string): string | undefined {
  return /^mqtt-subscription-(.+)qos[01]$/.exec(queue)?.[1];
}
