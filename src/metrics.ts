import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics; one registry per server so several servers can share a process (tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly operations = new Counter({
    name: 'chat_graphql_operations_total',
    help: 'GraphQL operations executed over HTTP, by operation type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly published = new Counter({
    name: 'chat_messages_published_total',
    help: 'Messages published to the MQTT broker and acknowledged by it (republications included)',
    registers: [this.registry],
  });
  readonly relayLag = new Gauge({
    name: 'chat_relay_lag_seconds',
    help: 'Age of the oldest stored message not yet acknowledged by the broker, at the last sweep',
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'chat_subscription_deliveries_total',
    help: 'Messages handed to GraphQL subscriptions on this instance',
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({
    name: 'chat_active_subscriptions',
    help: 'messageAdded and messageChanged subscriptions open on this instance',
    registers: [this.registry],
  });
  readonly sockets = new Gauge({
    name: 'chat_websocket_connections',
    help: 'graphql-ws sockets open on this instance',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
