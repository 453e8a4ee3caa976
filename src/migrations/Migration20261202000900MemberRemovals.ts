import { MySqlPlatform } from '@mikro-orm/mysql';
import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-builder';

const EVENTS_BEFORE = ['CHANNEL_CREATED', 'MEMBER_JOINED', 'MEMBER_LEFT'];
const EVENTS_AFTER = [...EVENTS_BEFORE, 'MEMBER_REMOVED'];
const quoted = (events: string[]) => events.map((e) => `'${e}'`).join(', ');

/**
 * Removing members from PASSWORD channels: the removals that keep a removed user from joining again until the
 * password changes, and the SYSTEM event MEMBER_REMOVED. MySQL widens the ENUM in place. SQLite keeps an enum as a
 * CHECK constraint it cannot alter, so `messages` is rebuilt the way SQLite documents (a new table from the old
 * one's own definition with the constraint widened, rows copied, the old one dropped and the new one renamed, its
 * indexes made again). The embedded store enforces foreign keys, and foreign keys cannot be turned off inside the
 * migration's transaction: dropping `messages` deletes its rows first, which cascades to `message_changes`. So the
 * changes are kept aside in a temporary table and put back once the new `messages` holds their messages.
 */
export class Migration20261202000900MemberRemovals extends Migration {
  override async up(): Promise<void> {
    addSchema(this, (s) =>
      s.createTable('channel_removals', (t) => {
        t.string('channel_id', 36)
          .notNullable()
          .references('id')
          .inTable('channels')
          .onDelete('CASCADE')
          .onUpdate('CASCADE');
        t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE').onUpdate('CASCADE');
        timestamp(t, 'removed_at').notNullable();
        t.primary(['channel_id', 'user_id']);
        t.index(['user_id']);
      }),
    );
    await this.setSystemEvents(EVENTS_BEFORE, EVENTS_AFTER);
  }

  override async down(): Promise<void> {
    // A MEMBER_REMOVED message has no place in the narrower column: it is told as MEMBER_LEFT.
    this.addSql(`update messages set system_event = 'MEMBER_LEFT' where system_event = 'MEMBER_REMOVED'`);
    await this.setSystemEvents(EVENTS_AFTER, EVENTS_BEFORE);
    addSchema(this, (s) => s.dropTable('channel_removals'));
  }

  private async setSystemEvents(from: string[], to: string[]): Promise<void> {
    if (this.driver.getPlatform() instanceof MySqlPlatform) {
      this.addSql(`alter table messages modify system_event enum(${quoted(to)}) null default null`);
      return;
    }
    const [table] = (await this.execute(
      `select sql from sqlite_master where type = 'table' and name = 'messages'`,
    )) as { sql: string }[];
    const indexes = (await this.execute(
      `select sql from sqlite_master where type = 'index' and tbl_name = 'messages' and sql is not null`,
    )) as { sql: string }[];
    const rebuilt = table.sql
      .replace(/^create table [`"]?messages[`"]?/i, 'create table `messages_rebuilt`')
      .replace(`in (${quoted(from)})`, `in (${quoted(to)})`);
    if (!rebuilt.includes('`messages_rebuilt`') || !rebuilt.includes(`in (${quoted(to)})`)) {
      throw new Error(`messages is not defined as this migration expects: ${table.sql}`);
    }
    this.addSql(rebuilt);
    this.addSql('insert into `messages_rebuilt` select * from `messages`');
    this.addSql('create temporary table `message_changes_kept` as select * from `message_changes`');
    this.addSql('drop table `messages`');
    this.addSql('alter table `messages_rebuilt` rename to `messages`');
    for (const index of indexes) this.addSql(index.sql);
    this.addSql('insert into `message_changes` select * from `message_changes_kept`');
    this.addSql('drop table `message_changes_kept`');
  }
}
