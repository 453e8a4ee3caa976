import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * Runs `work` in a transaction on a fresh EntityManager fork, for work that takes row locks.
 *
 * On MySQL every connection runs READ COMMITTED (src/mikro-orm.config.ts): a locking read of a row that does not
 * exist yet takes no gap lock, so the second insert of the same key waits, then fails as a unique-key violation the
 * caller can answer. SQLite serialises every transaction anyway and has no isolation levels to choose.
 */
export function lockingTransaction<T>(orm: MikroORM, work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
  return (orm.em.fork() as SqlEntityManager).transactional((tx) => work(tx));
}
