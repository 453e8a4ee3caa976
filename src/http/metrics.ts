import type { ApolloServerPlugin } from '@apollo/server';
import { Router } from 'express';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics; one registry per server so several servers can share a process (tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly operations = new Counter({
    name: 'chat_graphql_operations_total',
    help: 'GraphQL operations executed over HTTP, by operation type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** GET /metrics in Prometheus text format. */
  routes(): Router {
    return Router().get('/metrics', async (_req, res) => {
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
