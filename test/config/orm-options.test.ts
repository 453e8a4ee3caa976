import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../src/config';
import { ormOptions } from '../../src/mikro-orm.config';
import { describeReal } from '../support/profiles';

// SQLite has no isolation levels to choose; this is about MySQL's pooled connections.
describeReal('ORM options (%s)', (_name, profile) => {
  it('runs every transaction READ COMMITTED, on every pooled connection', async () => {
    const database = await profile.createDatabase();
    const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: database.url }).database));
    try {
      const connection = orm.em.getConnection();
      // MySQL 8 names the variable transaction_isolation; MariaDB 10.11 only tx_isolation.
      const [{ version }] = await connection.execute<{ version: string }[]>('select version() as version');
      const variable = version.includes('MariaDB') ? '@@session.tx_isolation' : '@@session.transaction_isolation';
      // Four transactions at once hold four pooled connections, each asked for its isolation level inside.
      const levels = await Promise.all(
        Array.from({ length: 4 }, () =>
          connection.transactional((tx) =>
            connection.execute<{ level: string; id: number }[]>(
              `select ${variable} as level, connection_id() as id, sleep(0.05) as pause`,
              [],
              'all',
              tx,
            ),
          ),
        ),
      );
      expect(new Set(levels.map(([row]) => row.id)).size).toBe(4);
      expect(levels.map(([row]) => row.level)).toEqual(Array(4).fill('READ-COMMITTED'));
    } finally {
      await orm.close();
      await database.drop();
    }
  });
});
