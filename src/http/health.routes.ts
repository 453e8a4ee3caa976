import { Router } from 'express';

export interface ReadinessProbe {
  /** Resolves when the database answers; rejects otherwise. */
  database(): Promise<void>;
  /** Whether the MQTT broker is connected now. */
  broker(): boolean;
  /**
   * Whether direct MQTT clients are served now (the broker's access control is in line), when the server administers
   * it. Reported, but not a reason to take the instance out of service: GraphQL works without it.
   */
  directMqtt?: () => boolean;
}

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

/**
 * GET /healthz (the process runs) and GET /readyz (database and broker both answer; 503 with reasons otherwise;
 * `directMqtt: "degraded"` while direct MQTT clients cannot be served, with the status unchanged).
 */
export function healthRoutes(probe: ReadinessProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const database = await withTimeout(probe.database(), 2000).then(
      () => 'up' as const,
      () => 'down' as const,
    );
    const broker = probe.broker() ? ('up' as const) : ('down' as const);
    const ready = database === 'up' && broker === 'up';
    const directMqtt = probe.directMqtt && (probe.directMqtt() ? ('up' as const) : ('degraded' as const));
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'unavailable', database, broker, ...(directMqtt ? { directMqtt } : {}) });
  });
  return router;
}
