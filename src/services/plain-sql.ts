import type { MikroORM, Transaction } from '@mikro-orm/core';

/**
 * Plain SQL through MikroORM's own connection, for the send path, where building and hydrating entities cost more
 * CPU than the queries themselves (see bench/RESULTS.md). Statements must be portable between MySQL/MariaDB and
 * SQLite; parameters go through MikroORM's escaping as its own queries do.
 */
export class PlainSql {
  constructor(private readonly orm: MikroORM) {}

  /**
   * Runs one statement and resolves with its rows (`all`) or its result (`run`: affected rows).
   *
   * @throws the driver's error converted to MikroORM's exceptions (e.g. UniqueConstraintViolationException).
   */
  async rows<T>(sql: string, params: unknown[], tx?: Transaction): Promise<T[]> {
    return (await this.execute(sql, params, 'all', tx)) as T[];
  }

  async run(sql: string, params: unknown[], tx?: Transaction): Promise<void> {
    await this.execute(sql, params, 'run', tx);
  }

  private async execute(sql: string, params: unknown[], method: 'all' | 'run', tx?: Transaction): Promise<unknown> {
    try {
      return (await this.orm.em.getConnection().execute(sql, params, method, tx)) as unknown;
    } catch (error) {
      throw this.orm.em.getDriver().convertException(error as Error);
    }
  }

  /** A date as the platform stores it (SQLite keeps epoch milliseconds, MySQL a DATETIME). */
  date(value: Date): unknown {
    return this.orm.em.getPlatform().processDateProperty(value);
  }
}

/**
 * A DATETIME column read back: epoch milliseconds from SQLite; from MySQL, text in UTC without a zone (the ORM runs
 * with `forceUtcTimezone` and `dateStrings`), which `new Date` alone would read in the server's own zone.
 */
export function dateColumn(value: Date | number | string): Date {
  if (typeof value === 'string' && !/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return new Date(`${value.replace(' ', 'T')}Z`);
  return new Date(value);
}
