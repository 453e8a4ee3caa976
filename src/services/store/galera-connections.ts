/**
 * The pooled MySQL connections that are sessions on a MariaDB Galera node, marked when the pool opens them (found by
 * `wsrep_on`, in src/mikro-orm.config.ts). PlainSql sends their transactions one statement per query: see
 * `ranOutsideTransaction` in plain-sql.ts for why.
 */
const galera = new WeakSet<object>();

export const markGaleraConnection = (connection: object): void => void galera.add(connection);

export const isGaleraConnection = (connection: object): boolean => galera.has(connection);
