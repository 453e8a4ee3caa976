import type { MikroORM } from '@mikro-orm/core';
import { MySqlPlatform } from '@mikro-orm/mysql';

/**
 * The two databases the server runs on, and the one place that tells them apart. `mysql` (MySQL or MariaDB): several
 * instances may share it, rows are locked with `FOR UPDATE`, every transaction runs READ COMMITTED
 * (src/mikro-orm.config.ts). `sqlite` (the embedded file): one process on one connection, where every transaction is
 * serialised and there are no row locks to take.
 */
export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(orm: MikroORM): Dialect {
  return orm.em.getPlatform() instanceof MySqlPlatform ? 'mysql' : 'sqlite';
}

/** The clause that ends a locking read: ` for update` on MySQL, nothing on SQLite (its transactions are serial). */
export const forUpdate = (dialect: Dialect): string => (dialect === 'mysql' ? ' for update' : '');

/**
 * The hint that a read uses this index and no other: ` force index (name)` on MySQL, nothing on SQLite. Where two
 * indexes share a leading column (messages' `(sender_id, …)` ones), MySQL prices each one it could use by reading
 * the index pages its range spans; for a sender with a long history that is the whole of their range in the other
 * index, about 9 page reads per send once it outgrew the buffer pool (bench/RESULTS.md, "Growth"). SQLite's planner
 * reads no pages to choose.
 */
export const onlyIndex = (dialect: Dialect, index: string): string =>
  dialect === 'mysql' ? ` force index (${index})` : '';

/**
 * A DATETIME column read back: epoch milliseconds from SQLite; from MySQL, text in UTC without a zone (the ORM runs
 * with `forceUtcTimezone` and `dateStrings`), which `new Date` alone would read in the server's own zone.
 */
export function dateColumn(value: Date | number | string): Date {
  if (typeof value === 'string' && !/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return new Date(`${value.replace(' ', 'T')}Z`);
  return new Date(value);
}
