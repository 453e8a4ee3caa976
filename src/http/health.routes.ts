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

/** `promise`, or a rejection after `ms`; the timer is cleared either way. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The database's state, probed at most once a second however often /readyz is asked (it is public): requests in
 * the same second share one probe and its answer.
 */
function sharedProbe(database: () => Promise<void>): () => Promise<'up' | 'down'> {
  let last: { at: number; answer: Promise<'up' | 'down'> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= 1000) {
      last = {
        at: now,
        answer: withTimeout(database(), 2000).then(
          () => 'up' as const,
          () => 'down' as const,
        ),
      };
    }
    return last.answer;
  };
}

/**
 * GET /healthz (the process runs) and GET /readyz (database and broker both answer; 503 with reasons otherwise;
 * `directMqtt: "degraded"` while direct MQTT clients cannot be served, with the status unchanged). The database is
 * probed at most once a second.
 */
export function healthRoutes(probe: ReadinessProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const databaseState = sharedProbe(() => probe.database());
  router.get('/readyz', async (_req, res) => {
    const database = await databaseState();
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
