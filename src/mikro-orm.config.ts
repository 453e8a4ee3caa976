import type { Options } from '@mikro-orm/core';
import { defineConfig as defineLibSql } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig as defineMySql } from '@mikro-orm/mysql';
import type { Config } from './config';
import { entities } from './entities';
import { migrationsList } from './migrations';

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
    return defineLibSql({ ...common, dbName: database.url.slice('file:'.length) });
  }
  return defineMySql({
    ...common,
    clientUrl: database.url,
    forceUtcTimezone: true,
    charset: 'utf8mb4',
    pool: { min: 0, max: 16 },
  });
}
