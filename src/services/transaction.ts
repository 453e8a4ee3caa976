import { IsolationLevel, type MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { MySqlPlatform } from '@mikro-orm/mysql';

/**
 * Runs `work` in a transaction on a fresh EntityManager fork, for work that takes row locks.
 *
 * On MySQL it uses READ COMMITTED: under the default REPEATABLE READ, `SELECT … FOR UPDATE` of a row that does not
 * exist yet takes a gap lock, and two transactions inserting different keys into one gap deadlock. With READ
 * COMMITTED the second insert of the same key waits, then fails as a unique-key violation the caller can answer.
 * SQLite serialises every transaction anyway and has no isolation levels to choose.
 */
export function lockingTransaction<T>(orm: MikroORM, work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
  return (orm.em.fork() as SqlEntityManager).transactional((tx) => work(tx), { isolationLevel: lockingIsolation(orm) });
}

/** The isolation level of transactions that take row locks: READ COMMITTED on MySQL (see lockingTransaction). */
export const lockingIsolation = (orm: MikroORM) =>
  orm.em.getPlatform() instanceof MySqlPlatform ? IsolationLevel.READ_COMMITTED : undefined;
