import { timingSafeEqual } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { Router } from 'express';
import type { Metrics } from '../metrics';

/**
 * GET /metrics in Prometheus text format. With a token, only for `Authorization: Bearer <token>` (401 otherwise);
 * without one, open, except in production, where it is not served (404) rather than show the service's workings
 * to anyone.
 */
export function metricsRoutes(metrics: Metrics, access: { token: string | undefined; production: boolean }): Router {
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
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** An Apollo plugin that counts operations by type and whether they ended with errors. */
export function operationsMetricsPlugin(metrics: Metrics): ApolloServerPlugin {
  const operations = metrics.operations;
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
