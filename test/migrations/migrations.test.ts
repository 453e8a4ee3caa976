import { randomUUID } from 'node:crypto';
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

  it("keep every message and change when 0900 widens messages' system events (SQLite rebuilds the table)", async () => {
    const database = await profile.createDatabase();
    const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: database.url }).database));
    try {
      const migrator = orm.getMigrator();
      await migrator.up({ to: 'Migration20261202000800Moderation' });
      const sql = (statement: string, params: unknown[] = []) =>
        orm.em.getConnection().execute<{ n: number | string }[]>(statement, params);
      const at = orm.em.getPlatform().processDateProperty(new Date());
      const [user, channel, message, change] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await sql('insert into users (id, email, display_name, created_at) values (?, ?, ?, ?)', [
        user,
        'm@example.com',
        'm',
        at,
      ]);
      await sql(
        "insert into channels (id, name, kind, last_seq, last_rev, created_at) values (?, 'c', 'DEFAULT', 1, 1, ?)",
        [channel, at],
      );
      await sql(
        "insert into messages (id, channel_id, seq, kind, body, sender_id, created_at, edited_at, rev) values (?, ?, 1, 'USER', 'edited', ?, ?, ?, 1)",
        [message, channel, user, at, at],
      );
      await sql(
        'insert into message_changes (id, channel_id, rev, message_id, actor_id, created_at) values (?, ?, 1, ?, ?, ?)',
        [change, channel, message, user, at],
      );
      const counts = async () =>
        Promise.all(
          ['messages', 'message_changes'].map(async (t) => Number((await sql(`select count(*) as n from ${t}`))[0].n)),
        );

      await migrator.up();
      expect(await counts()).toEqual([1, 1]);
      await sql(
        "insert into messages (id, channel_id, seq, kind, body, system_event, created_at) values (?, ?, 2, 'SYSTEM', 'm was removed', 'MEMBER_REMOVED', ?)",
        [randomUUID(), channel, at],
      );
      await migrator.down({ to: 'Migration20261202000800Moderation' });
      expect(await counts()).toEqual([2, 1]);
      const events: { system_event: string | null }[] = await orm.em
        .getConnection()
        .execute('select system_event from messages order by seq');
      expect(events.map((e) => e.system_event)).toEqual([null, 'MEMBER_LEFT']);
    } finally {
      await orm.close();
      await database.drop();
    }
  });
});
