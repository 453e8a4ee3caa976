import { MySqlPlatform } from '@mikro-orm/mysql';
import { Migration } from '@mikro-orm/migrations';

/** Columns holding identifiers that others choose, with their definitions on MySQL. */
const IDENTIFIERS = [
  ['messages', 'client_message_id', 'varchar(64) null default null'],
  ['stripe_events', 'id', 'varchar(255) not null'],
  ['passes', 'checkout_session_id', 'varchar(255) null default null'],
] as const;

/**
 * Identifiers chosen by clients (clientMessageId) and by Stripe (event and Checkout Session ids) compare byte for
 * byte on MySQL, as they always did on SQLite. Under the database's case- and accent-insensitive collation "msg-1"
 * and "MSG-1", "c-1" and "c-1 ", or any two emoji were one clientMessageId: the second send was refused as a reuse,
 * or answered with the first message. `utf8mb4_bin` would still ignore trailing spaces (it pads), so the collation is
 * the binary one without padding, which MariaDB and MySQL 8 (8.0.17 on) name differently. SQLite compares bytes
 * already. Changing an indexed column's collation rebuilds the `messages` table, which holds up writes while it runs.
 * Going down fails with a duplicate-key error once a sender holds ids that differ only in case or trailing spaces:
 * the old collation cannot tell them apart, and choosing which to drop is not a migration's call.
 */
export class Migration20261123000400ExactIdentifiers extends Migration {
  override async up(): Promise<void> {
    if (!(this.driver.getPlatform() instanceof MySqlPlatform)) return;
    const [{ version }] = (await this.execute('select version() as version')) as { version: string }[];
    const collation = version.includes('MariaDB') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
    for (const [table, column, definition] of IDENTIFIERS) {
      this.addSql(`alter table \`${table}\` modify \`${column}\` ${definition} collate ${collation}`);
    }
  }

  override down(): void {
    if (!(this.driver.getPlatform() instanceof MySqlPlatform)) return;
    for (const [table, column, definition] of IDENTIFIERS) {
      this.addSql(`alter table \`${table}\` modify \`${column}\` ${definition}`);
    }
  }
}
