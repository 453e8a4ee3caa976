import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../src/config';
import { ormOptions } from '../../src/mikro-orm.config';
import { migrationsList } from '../../src/migrations';
import { eachProfile } from '../support/profiles';

describe.each(eachProfile)('migrations (%s)', (_name, profile) => {
  it('apply up to the schema the entities map, and revert down to nothing', async () => {
    const database = await profile.createDatabase();
    const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: database.url }).database));
    try {
      const migrator = orm.getMigrator();
      const tables = async () => (await orm.getSchemaGenerator().getCreateSchemaSQL()).length;
      expect((await migrator.up()).map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
      if (profile.name === 'real') {
        // Nothing the entities declare differs from what the migrations built. (SQLite's comparator reports
        // varchar against text, which its type affinity treats alike, so the check is MySQL's.)
        // MikroORM also wants a single-column index per foreign key; MySQL uses the composite indexes that begin
        // with those columns instead, and a second copy would only slow every insert.
        // MariaDB reports a nullable column's default as the text 'NULL', which MikroORM's MySQL comparator takes
        // for a changed default; MySQL 8 does not, so those clauses are dropped on MariaDB only.
        const [{ version }] = await orm.em
          .getConnection()
          .execute<{ version: string }[]>('select version() as version');
        const mariadb = version.includes('MariaDB');
        const diff = (await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: true }))
          .split('\n')
          .filter(
            (line) => line.trim() !== '' && !/^alter table `\w+` add index `\w+_id_index`\(`\w+_id`\);$/.test(line),
          )
          .map((line) => (mariadb ? line.replace(/,? ?modify `\w+` (?:enum\([^)]*\)|[^,;]+) default null/g, '') : line))
          .filter((line) => !/^alter table `\w+`\s*;$/.test(line));
        expect(diff).toEqual([]);
      }
      expect(await tables()).toBeGreaterThan(0);

      await migrator.down({ to: 0 });
      expect(await migrator.getExecutedMigrations()).toEqual([]);
      const knex = (
        orm.em as unknown as { getKnex(): { schema: { hasTable(t: string): Promise<boolean> } } }
      ).getKnex();
      for (const table of [
        'users',
        'sessions',
        'login_codes',
        'login_code_requests',
        'channels',
        'messages',
        'memberships',
        'passes',
        'channel_password_failures',
        'stripe_events',
        'read_positions',
      ]) {
        expect(await knex.schema.hasTable(table)).toBe(false);
      }
      expect((await migrator.up()).length).toBe(migrationsList.length);
    } finally {
      await orm.close();
      await database.drop();
    }
  });
});
