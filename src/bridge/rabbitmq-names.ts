/**
 * How RabbitMQ's MQTT plugin names what it makes for MQTT clients (3.10): the broker-side names the HTTP callbacks
 * and the management API see.
 */

/**
 * The MQTT topic of a routing key: the plugin swaps `/` and `.` between the two, and writes MQTT's wildcards `+` and
 * `#` as `*` and `#`.
 */
export function mqttTopicOf(routingKey: string): string {
  return routingKey.replace(/[./*]/g, (c) => (c === '.' ? '/' : c === '/' ? '.' : '+'));
}

/** The queues that hold an MQTT client's subscriptions: one for QoS 0, one for QoS 1 (a persistent session's). */
export function subscriptionQueues(clientId: string): string[] {
  return [`mqtt-subscription-${clientId}qos0`, `mqtt-subscription-${clientId}qos1`];
}

/** The MQTT client id whose subscriptions a queue holds, or undefined for any other queue. */
export function clientIdOfQueue(queue: string): string | undefined {
  return /^mqtt-subscription-(.+)qos[01]$/.exec(queue)?.[1];
}
