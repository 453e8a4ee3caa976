import type { Options } from '@mikro-orm/core';
import { defineConfig as defineLibSql } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig as defineMySql } from '@mikro-orm/mysql';
import type { Config } from './config';
import { entities } from './entities';
import { migrationsList } from './migrations';
import { markGaleraConnection } from './services/store/galera-connections';

/** How long a SQLite statement waits for another process's lock on the file before it fails (SQLITE_BUSY). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * The ORM's options for a database URL, shared by the server and `npm run migrate`:
 * `mysql://` uses the MySQL driver (MySQL 8, MariaDB 10.11), `file:` the embedded libSQL (SQLite) store.
 */
export function ormOptions(database: Config['database'], log: (message: string) => void = () => {}): Options {
  const common = {
    entities,
    extensions: [Migrator],
    // MySQL commits DDL implicitly, so only SQLite runs migrations inside a transaction.
    migrations: {
      migrationsList,
      transactional: database.embedded,
      allOrNothing: database.embedded,
      snapshot: false,
      silent: true,
    },
    logger: log,
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: process.env.ORM_DEBUG === '1',
  };
  if (database.embedded) {
    return defineLibSql({
      ...common,
      dbName: database.url.slice('file:'.length),
      // SQLite locks the whole file: a statement that meets another process's lock waits up to 5 s for it instead of
      // failing at once (libSQL waits synchronously, holding up this process). A transaction that has read and then
      // meets another writer still fails at once, as waiting could deadlock (README, "Start it").
      driverOptions: { connection: { timeout: SQLITE_BUSY_TIMEOUT_MS } },
      pool: { afterCreate: writeAheadLog },
    });
  }
  return defineMySql({
    ...common,
    clientUrl: database.url,
    forceUtcTimezone: true,
    charset: 'utf8mb4',
    // The send path's transaction goes as two multi-statement queries (PlainSql.transaction; one statement per query
    // on a Galera node). Every parameter is escaped by the ORM before it reaches the text, as in any of its queries.
    multipleStatements: true,
    pool: { min: 0, max: 16, afterCreate: sessionSettings },
  });
}

/**
 * Settings of every pooled MySQL connection, made once when the pool opens it (a transaction costs no extra round
 * trip for them):
 * - Every transaction runs READ COMMITTED. Under the default REPEATABLE READ, `SELECT … FOR UPDATE` of a row that
 *   does not exist yet takes a gap lock, and two transactions inserting different keys into one gap deadlock; with
 *   READ COMMITTED the second insert of the same key waits, then fails as a unique-key violation the caller can answer.
 * - On a Galera node (`wsrep_on` is ON), reads are causal (`wsrep_sync_wait = 1`): a read, and a transaction's start,
 *   first wait until this node has applied every write the cluster had committed, so what a client wrote through
 *   one instance (on one node) is what it reads through another (README, "Running more than one of everything").
 *   The connection is marked as a Galera one: PlainSql sends its transactions one statement per query.
 */
function sessionSettings(
  connection: { query(sql: string, done: (error: Error | null, rows?: unknown) => void): void },
  done: (error: Error | null, connection: unknown) => void,
): void {
  connection.query(
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED; SHOW VARIABLES LIKE 'wsrep_on'",
    (error, results) => {
      if (error) return done(error, connection);
      const [, wsrep] = results as [unknown, { Value?: string }[]];
      if (wsrep[0]?.Value !== 'ON') return done(null, connection);
      markGaleraConnection(connection);
      connection.query('SET SESSION wsrep_sync_wait = 1', (syncError) => done(syncError, connection));
    },
  );
}

/**
 * The embedded SQLite file keeps a write-ahead log: a commit appends to the log with one fsync (full sync, so a
 * stored message survives a power cut) instead of rewriting pages through a rollback journal, and readers in other
 * processes (a backup, the sqlite3 shell) no longer hold up commits.
 */
function writeAheadLog(
  connection: { exec(sql: string): unknown },
  done: (error: Error | null, connection: unknown) => void,
): void {
  try {
    connection.exec('pragma journal_mode = wal');
    connection.exec('pragma synchronous = full');
    done(null, connection);
  } catch (error) {
    done(error as Error, connection);
  }
}
