import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { Router } from 'express';

export interface ReadinessProbe {
  /** Resolves when the database takes a write; rejects otherwise. */
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

/**
 * Resolves when the database takes a write now: a row inserted into `readiness_probes` in a transaction that is
 * then rolled back, so nothing stays and nothing waits on a disk flush. A database that answers reads but cannot
 * write (read-only, out of space, its write lock held elsewhere) fails this, or does not answer within /readyz's
 * two seconds.
 */
export async function takesWrites(orm: MikroORM): Promise<void> {
  const connection = orm.em.getConnection();
  const rollback = new Error('readiness probe: rolled back on purpose');
  try {
    await connection.transactional(async (tx) => {
      await connection.execute(
        'insert into readiness_probes (id, checked_at) values (?, ?)',
        [randomUUID(), orm.em.getPlatform().processDateProperty(new Date())],
        'run',
        tx,
      );
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
}
