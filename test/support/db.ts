import Database from 'libsql';
import { createConnection } from 'mysql2/promise';
import type { TestServer } from './test-server';

/** Reads rows straight from a test server's database, to check what was (or was not) stored. */
export function rows<T = Record<string, unknown>>(
  server: TestServer,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return server.app.orm.em.fork().getConnection().execute(sql, params) as Promise<T[]>;
}

export async function count(server: TestServer, table: string, where = '1=1', params: unknown[] = []): Promise<number> {
  const [row] = await rows<{ n: number | string }>(server, `select count(*) as n from ${table} where ${where}`, params);
  return Number(row.n);
}

/** A timestamp column as epoch milliseconds, whichever way the driver returns it (Date, number or UTC text). */
export function epochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return Date.parse(`${String(value).replace(' ', 'T')}Z`);
}

/**
 * Makes the server's writes wait, from a connection of its own, until the returned function is called: on SQLite the
 * file's write lock (BEGIN IMMEDIATE), on MySQL the write locks of `tables`.
 */
export async function holdWrites(server: TestServer, tables: string[]): Promise<() => Promise<void>> {
  if (server.databaseUrl.startsWith('file:')) {
    const db = new Database(server.databaseUrl.slice('file:'.length));
    db.exec('BEGIN IMMEDIATE');
    return async () => {
      db.exec('ROLLBACK');
      db.close();
    };
  }
  const connection = await createConnection(server.databaseUrl);
  await connection.query(`LOCK TABLES ${tables.map((t) => `${t} WRITE`).join(', ')}`);
  return async () => {
    await connection.query('UNLOCK TABLES');
    await connection.end();
  };
}
