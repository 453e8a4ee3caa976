import type { Migration } from '@mikro-orm/migrations';

type Knex = ReturnType<Migration['getKnex']>;
type TableBuilder = Parameters<Parameters<Knex['schema']['createTable']>[1]>[0];

/**
 * Migrations are written once with knex's schema builder and compiled to the SQL of whichever database runs them
 * (MySQL/MariaDB or the embedded SQLite store), so both profiles share one migration history.
 */
export function addSchema(migration: Migration, build: (schema: Knex['schema']) => { toSQL(): unknown }): void {
  const compiled = build(migration.getKnex().schema).toSQL() as { sql: string }[];
  for (const { sql } of compiled) migration.addSql(sql);
}

/** A millisecond-precision timestamp column (MySQL `datetime(3)`; SQLite stores epoch milliseconds). */
export const timestamp = (t: TableBuilder, name: string) => t.datetime(name, { precision: 3 });

/** A primary key that holds a UUID. */
export const uuidPrimary = (t: TableBuilder, name = 'id') => t.string(name, 36).primary();
