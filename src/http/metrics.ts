import { timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { Router } from 'express';
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
    help: 'messageAdded subscriptions open on this instance',
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

  /**
   * GET /metrics in Prometheus text format. With a token, only for `Authorization: Bearer <token>` (401 otherwise);
   * without one, open, except in production, where it is not served (404) rather than show the service's workings
   * to anyone.
   */
  routes(access: { token: string | undefined; production: boolean }): Router {
    const expected = access.token === undefined ? undefined : Buffer.from(`Bearer ${access.token}`);
    return Router().get('/metrics', async (req, res) => {
      if (!expected && access.production) {
        res.status(404).json({ error: 'Metrics are served with METRICS_TOKEN set.' });
        return;
      }
      const given = Buffer.from(req.header('authorization') ?? '');
      if (expected && (given.length !== expected.length || !timingSafeEqual(given, expected))) {
        res.status(401).set('www-authenticate', 'Bearer').json({ error: 'A bearer token is needed.' });
        return;
      }
      res.type(this.registry.contentType).send(await this.registry.metrics());
    });
  }

  /** An Apollo plugin that counts operations by type and whether they ended with errors. */
  apolloPlugin(): ApolloServerPlugin {
    const operations = this.operations;
    return {
      async requestDidStart() {
        return {
          async willSendResponse({ operation, errors }) {
            operations.inc({ type: operation?.operation ?? 'unknown', outcome: errors?.length ? 'error' : 'ok' });
          },
        };
      },
    };
  }
}
