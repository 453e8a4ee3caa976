import {
  DeadlockException,
  DriverException,
  type EntityManager,
  type MikroORM,
  type Transaction,
} from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { dialectOf, type Dialect } from './dialect';
import { isGaleraConnection } from './galera-connections';

/** One statement of a pipelined transaction. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Sends statements within a PlainSql transaction and resolves with each one's rows (none for statements that return
 * no rows). With `commit` the step is the last: on MySQL the transaction commits with it, on SQLite when the work
 * returns.
 */
export type Step = (statements: Statement[], options?: { commit?: boolean }) => Promise<unknown[][]>;

/**
 * Plain SQL through MikroORM's own connection, for the hot paths, where building and hydrating entities cost more
 * CPU than the queries themselves (see bench/RESULTS.md). The statements themselves live in the store modules beside
 * this one, one per table family. They must be portable between MySQL/MariaDB and SQLite (where they cannot be,
 * they ask `dialect`); parameters go through MikroORM's escaping as its own queries do.
 */
export class PlainSql {
  readonly dialect: Dialect;

  constructor(private readonly orm: MikroORM) {
    this.dialect = dialectOf(orm);
  }

  /**
   * Runs one statement outside any transaction and resolves with its rows.
   *
   * @throws the driver's error converted to MikroORM's exceptions (e.g. UniqueConstraintViolationException).
   */
  async rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.execute(sql, params)) as T[];
  }

  private async execute(sql: string, params: unknown[], tx?: Transaction): Promise<unknown> {
    try {
      return (await this.orm.em.getConnection().execute(sql, params, 'all', tx)) as unknown;
    } catch (error) {
      throw this.orm.em.getDriver().convertException(error as Error);
    }
  }

  /**
   * Runs `work` in a transaction that costs as few round trips as the database allows. On MySQL each step is one
   * multi-statement query on one pooled connection: the first also opens the transaction, a step with `commit` also
   * commits it, and `BEGIN` and `COMMIT` cost no round trip of their own; on a Galera node each statement is a
   * query of its own (see {@link ranOutsideTransaction}). On SQLite, in the server's process, the
   * statements run one by one in an ordinary transaction, which commits when `work` returns. When `work` returns
   * without a committing step, the transaction commits then. A step after the committing one is a programming error:
   * it is refused, and what the committing step wrote stays on MySQL but is rolled back on SQLite.
   *
   * @throws the driver's error converted to MikroORM's exceptions, or `work`'s own error as it was; either way the
   * transaction is rolled back and nothing it wrote stays (on MySQL, a failing statement also stops the ones after
   * it in its step).
   */
  transaction<T>(work: (step: Step) => Promise<T>): Promise<T> {
    return this.dialect === 'mysql' ? this.pipelined(work) : this.inProcess(work);
  }

  /**
   * A step that runs its statements one by one inside the transaction `em` has open (an ORM transaction that also
   * writes entities); `commit` is ignored, as the ORM commits. Outside a transaction each statement commits alone.
   *
   * @throws the driver's error converted to MikroORM's exceptions; the caller's transaction then rolls back.
   */
  within(em: EntityManager): Step {
    return async (statements) => {
      const results: unknown[][] = [];
      for (const { sql, params } of statements) {
        results.push(asRows(await this.execute(sql, params, em.getTransactionContext())));
      }
      return results;
    };
  }

  private async inProcess<T>(work: (step: Step) => Promise<T>): Promise<T> {
    let own: { error: unknown } | undefined;
    try {
      return await this.orm.em.getConnection().transactional(async (tx) => {
        let committed = false;
        try {
          return await work(async (statements, { commit = false } = {}) => {
            if (committed) throw new Error('PlainSql.transaction: a step after the commit');
            const results: unknown[][] = [];
            for (const { sql, params } of statements) results.push(asRows(await this.execute(sql, params, tx)));
            committed = commit;
            return results;
          });
        } catch (error) {
          own = { error };
          throw error;
        }
      });
    } catch (error) {
      // Statements' errors are converted already and work's own pass as they are; BEGIN's and COMMIT's are the
      // driver's own.
      if ((own && own.error === error) || error instanceof DriverException) throw error;
      throw this.orm.em.getDriver().convertException(error as Error);
    }
  }

  private async pipelined<T>(work: (step: Step) => Promise<T>): Promise<T> {
    const knex = (this.orm.em.getConnection() as AbstractSqlConnection).getKnex();
    const pool = knex.client as KnexPool;
    const connection = (await pool.acquireConnection()) as { destroy(): void };
    const oneByOne = isGaleraConnection(connection);
    let open = false;
    let committed = false;
    const send = async (sql: string): Promise<unknown> => {
      try {
        const [results] = (await knex.raw(sql).connection(connection)) as [unknown];
        return results;
      } catch (error) {
        throw this.orm.em.getDriver().convertException(error as Error);
      }
    };
    /** The statements as one query: one round trip. */
    const sendAll = async (script: string[], commit: boolean): Promise<unknown[]> => {
      const results = await send(script.join(';\n'));
      // A single statement answers with its own result, several with a list of one result each.
      const each = script.length === 1 ? [results] : (results as unknown[]);
      if (each.slice(0, commit ? -1 : undefined).some(ranOutsideTransaction)) throw transactionLost();
      return each;
    };
    /** The statements one query each (on a Galera node), stopping at the first that ran outside the transaction. */
    const sendEach = async (script: string[], commit: boolean): Promise<unknown[]> => {
      const each: unknown[] = [];
      for (const [i, sql] of script.entries()) {
        const result = await send(sql);
        if (!(commit && i === script.length - 1) && ranOutsideTransaction(result)) throw transactionLost();
        each.push(result);
      }
      return each;
    };
    const step: Step = async (statements, { commit = false } = {}) => {
      if (committed) throw new Error('PlainSql.transaction: a step after the commit');
      const platform = this.orm.em.getPlatform();
      const first = open ? 0 : 1;
      const script = [
        ...(open ? [] : ['start transaction']),
        ...statements.map(({ sql, params }) => platform.formatQuery(sql, params)),
        ...(commit ? ['commit'] : []),
      ];
      open = true;
      const each = oneByOne ? await sendEach(script, commit) : await sendAll(script, commit);
      committed = commit;
      return each.slice(first, first + statements.length).map(asRows);
    };
    try {
      const result = await work(step);
      if (open && !committed) await send('commit');
      return result;
    } catch (error) {
      // A connection that could not roll back may still hold the transaction: it must not go back to the pool as
      // it is, so it is closed (the pool then replaces it).
      if (open && !committed) await send('rollback').catch(() => connection.destroy());
      throw error;
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  /** A date as the platform stores it (SQLite keeps epoch milliseconds, MySQL a DATETIME). */
  date(value: Date): unknown {
    return this.orm.em.getPlatform().processDateProperty(value);
  }
}

/** What a pinned connection needs of knex's client, which knex types as `any`. */
interface KnexPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/** MySQL's SERVER_STATUS_IN_TRANS: the status flag of a statement that ran inside a transaction. */
const IN_TRANSACTION = 1;

/**
 * Whether a statement's summary (an insert's, update's or `start transaction`'s; rows carry none) says it ran
 * outside any transaction. On a MariaDB Galera node, a transaction that a replicated write aborts (a brute-force
 * abort) while its connection waits between two queries is rolled back; a single statement sent next fails with the
 * deadlock error, but the statements of a multi-statement query can run as if no transaction were open, down to a
 * `commit` that answers OK (measured on MariaDB 10.11 with three writers: a few in a thousand contended commits
 * answered OK and stored nothing; with this check alone, a channel's later sends failed and its feeds stalled on a
 * seq never stored, so some of those writes stay). So on a Galera node each statement goes alone, and everywhere a
 * statement whose summary lacks the in-transaction flag ends the transaction as lost.
 */
const ranOutsideTransaction = (result: unknown): boolean =>
  !Array.isArray(result) &&
  typeof (result as { serverStatus?: unknown } | null)?.serverStatus === 'number' &&
  ((result as { serverStatus: number }).serverStatus & IN_TRANSACTION) === 0;

/**
 * The transaction was lost under the step (see {@link ranOutsideTransaction}): reported as the deadlock the server
 * would have reported for one statement, so callers run the transaction again (the unique keys of what it writes
 * keep a write that did stay from being written twice) or answer UNAVAILABLE.
 */
const transactionLost = () =>
  new DeadlockException(
    Object.assign(
      new Error('The transaction was rolled back under a multi-statement query (wsrep brute-force abort).'),
      {
        code: 'ER_LOCK_DEADLOCK',
        errno: 1213,
        sqlState: '40001',
      },
    ),
  );

/** A statement's rows: the result when it is a list of rows, none otherwise (an insert's or update's summary). */
const asRows = (result: unknown): unknown[] => (Array.isArray(result) ? result : []);
