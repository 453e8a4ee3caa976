import type { Options } from '@mikro-orm/core';
import { defineConfig as defineLibSql } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig as defineMySql } from '@mikro-orm/mysql';
import type { Config } from './config';
import { entities } from './entities';
import { migrationsList } from './migrations';

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
      // SQLite locks the whole file: while another process reads it (a backup, the sqlite3 shell) a commit waits up
      // to 5 s for its lock instead of failing at once. libSQL waits synchronously, holding up this process.
      driverOptions: { connection: { timeout: SQLITE_BUSY_TIMEOUT_MS } },
    });
  }
  return defineMySql({
    ...common,
    clientUrl: database.url,
    forceUtcTimezone: true,
    charset: 'utf8mb4',
    pool: { min: 0, max: 16, afterCreate: readCommitted },
  });
}

/**
 * Every transaction on MySQL runs READ COMMITTED. Under the default REPEATABLE READ, `SELECT … FOR UPDATE` of a row
 * that does not exist yet takes a gap lock, and two transactions inserting different keys into one gap deadlock;
 * with READ COMMITTED the second insert of the same key waits, then fails as a unique-key violation the caller can
 * answer. Set once per pooled connection (a pool hook), so a transaction costs no extra round trip for it.
 */
function readCommitted(
  connection: { query(sql: string, done: (error: Error | null) => void): void },
  done: (error: Error | null, connection: unknown) => void,
): void {
  connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (error) => done(error, connection));
}
