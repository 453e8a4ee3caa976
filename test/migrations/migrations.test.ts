import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../src/config';
import { ormOptions } from '../../src/mikro-orm.config';
import { migrationsList } from '../../src/migrations';
import { defaultChannelId } from '../../src/services/channel.service';
import { eachProfile } from '../support/profiles';

/** Tables that name channels by id, and two that do not (they must not change either). */
const CHANNEL_TABLES = [
  'channels',
  'memberships',
  'messages',
  'read_positions',
  'message_changes',
  'channel_removals',
  'channel_password_failures',
  'moderation_actions',
  'channel_message_days',
  'message_hours',
  'users',
];

/** The ids of DEFAULT channels before 1100 (the first 32 hex digits of SHA-256 of `default-channel:<name>`). */
const LEGACY = {
  general: '3d707c8f-82ff-dff4-e250-2d702f84572e',
  archive: 'fc144623-15a3-bec8-a598-ff5018833fc1',
  random: 'eefd1769-194d-ef95-c9d6-7e7d3a26e6c7',
};

type Row = Record<string, unknown>;
const sorted = (rows: Row[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** Every table's rows with one id replaced by another wherever a column holds it. */
const renamed = (tables: Record<string, Row[]>, from: string, to: string) =>
  Object.fromEntries(
    Object.entries(tables).map(([table, rows]) => [
      table,
      sorted(rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === from ? to : v])))),
    ]),
  );

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

  describe('1100 gives DEFAULT channels name-based UUIDs', () => {
    const seeded = async () => {
      const database = await profile.createDatabase();
      const orm = await MikroORM.init(ormOptions(loadConfig({ DATABASE_URL: database.url }).database));
      await orm.getMigrator().up({ to: 'Migration20261202001000Statistics' });
      const sql = (statement: string, params: unknown[] = []) =>
        orm.em.getConnection().execute<Row[]>(statement, params);
      const at = orm.em.getPlatform().processDateProperty(new Date());
      const snapshot = async () =>
        Object.fromEntries(
          await Promise.all(CHANNEL_TABLES.map(async (t) => [t, sorted(await sql(`select * from ${t}`))] as const)),
        );
      const [alice, bob] = [randomUUID(), randomUUID()];
      for (const [id, name] of [
        [alice, 'alice'],
        [bob, 'bob'],
      ]) {
        await sql('insert into users (id, email, display_name, created_at) values (?, ?, ?, ?)', [
          id,
          `${name}@example.com`,
          name,
          at,
        ]);
      }
      const channel = (id: string, name: string, kind = 'DEFAULT') =>
        sql(
          'insert into channels (id, name, kind, owner_id, last_seq, last_rev, created_at) values (?, ?, ?, ?, 2, 1, ?)',
          [id, name, kind, kind === 'DEFAULT' ? null : alice, at],
        );
      /** A channel's rows in every table that names it: two messages, one edited, and one of each other kind. */
      const history = async (channelId: string) => {
        const [created, hello] = [randomUUID(), randomUUID()];
        await sql(
          "insert into messages (id, channel_id, seq, kind, body, system_event, created_at, published_at) values (?, ?, 1, 'SYSTEM', 'created', 'CHANNEL_CREATED', ?, ?)",
          [created, channelId, at, at],
        );
        await sql(
          "insert into messages (id, channel_id, seq, kind, body, sender_id, client_message_id, created_at, edited_at, rev) values (?, ?, 2, 'USER', 'edited', ?, ?, ?, ?, 1)",
          [hello, channelId, alice, randomUUID(), at, at],
        );
        await sql(
          'insert into message_changes (id, channel_id, rev, message_id, actor_id, created_at) values (?, ?, 1, ?, ?, ?)',
          [randomUUID(), channelId, hello, alice, at],
        );
        await sql('insert into memberships (channel_id, user_id, joined_at) values (?, ?, ?)', [channelId, alice, at]);
        await sql('insert into read_positions (user_id, channel_id, seq, updated_at) values (?, ?, 2, ?)', [
          alice,
          channelId,
          at,
        ]);
        await sql('insert into channel_removals (channel_id, user_id, removed_at) values (?, ?, ?)', [
          channelId,
          bob,
          at,
        ]);
        await sql('insert into channel_password_failures (id, channel_id, user_id, created_at) values (?, ?, ?, ?)', [
          randomUUID(),
          channelId,
          bob,
          at,
        ]);
        await sql(
          "insert into moderation_actions (id, action, actor_id, target_user_id, channel_id, message_id, reason, created_at) values (?, 'DELETE_MESSAGE', ?, ?, ?, ?, 'spam', ?)",
          [randomUUID(), bob, alice, channelId, hello, at],
        );
        await sql("insert into channel_message_days (day, channel_id, messages) values ('2026-12-01', ?, 1)", [
          channelId,
        ]);
      };
      await sql('insert into message_hours (hour, messages) values (493000, 2)');
      return { database, orm, sql, snapshot, channel, history };
    };

    it('moving every row that names a channel, in both directions, and nothing else', async () => {
      const { database, orm, snapshot, channel, history } = await seeded();
      try {
        await channel(LEGACY.general, 'general');
        await history(LEGACY.general);
        // Already name-based, a DEFAULT channel whose id is not derived from its name, a PASSWORD channel: kept.
        for (const [id, name, kind] of [
          [defaultChannelId('random'), 'random', 'DEFAULT'],
          [randomUUID(), 'odd', 'DEFAULT'],
          [randomUUID(), 'general', 'PASSWORD'],
        ]) {
          await channel(id, name, kind);
          await history(id);
        }
        const before = await snapshot();

        const migrator = orm.getMigrator();
        expect((await migrator.up()).map((m) => m.name)).toEqual(['Migration20261203001100NameBasedChannelIds']);
        const after = await snapshot();
        expect(after).toEqual(renamed(before, LEGACY.general, defaultChannelId('general')));
        expect(JSON.stringify(after)).not.toContain(LEGACY.general);
        for (const table of CHANNEL_TABLES.slice(1, -2)) {
          expect([table, after[table].filter((r) => r.channel_id === defaultChannelId('general')).length]).toEqual([
            table,
            table === 'messages' ? 2 : 1,
          ]);
        }

        // Down gives every DEFAULT channel named by its name the old formula's id, the old code's, random included.
        expect((await migrator.down()).map((m) => m.name)).toEqual(['Migration20261203001100NameBasedChannelIds']);
        expect(await snapshot()).toEqual(renamed(before, defaultChannelId('random'), LEGACY.random));
        await migrator.up();
        expect(await snapshot()).toEqual(after);
      } finally {
        await orm.close();
        await database.drop();
      }
    });

    it('changing nothing when a new id is taken already (one transaction: a channel moved before is moved back)', async () => {
      const { database, orm, snapshot, channel, history } = await seeded();
      try {
        await channel(LEGACY.archive, 'archive');
        await history(LEGACY.archive);
        await channel(LEGACY.general, 'general');
        await channel(defaultChannelId('general'), 'general');
        const before = await snapshot();
        const migrator = orm.getMigrator();
        await expect(migrator.up()).rejects.toThrow(/cannot move from .* a channel has that id already/);
        expect(await snapshot()).toEqual(before);
        expect((await migrator.getExecutedMigrations()).map((m) => m.name)).not.toContain(
          'Migration20261203001100NameBasedChannelIds',
        );
      } finally {
        await orm.close();
        await database.drop();
      }
    });
  });
});
