import { createHash } from 'node:crypto';
import type { Transaction } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

// Both formulas are kept here as they were when this migration was written, whatever channel.service.ts does later.

const asUuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/** The ids DEFAULT channels had before: the first 32 hex digits of a SHA-256, with no version or variant bits. */
const legacyId = (name: string) => asUuid(createHash('sha256').update(`default-channel:${name}`).digest('hex'));

/** DEFAULT_CHANNEL_NAMESPACE of channel.service.ts. */
const NAMESPACE = 'a2eceaf8-7a04-4c83-a1c1-2af6d23ef4cc';

/** The ids they have now: a UUID version 5 of the name in NAMESPACE (RFC 9562 §5.5). */
const nameBasedId = (name: string) => {
  const hash = createHash('sha1')
    .update(Buffer.from(NAMESPACE.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return asUuid(hash.toString('hex', 0, 16));
};

/**
 * The tables that name channels by id. The first ones reference `channels` with ON UPDATE CASCADE, so renaming the
 * channel row moves them on both databases and their update finds nothing left; it is kept for a store whose
 * foreign keys were not enforced. The others name channels by id alone (counts and logs outlive what they tell of).
 */
const CHANNEL_COLUMNS = [
  'memberships',
  'messages',
  'read_positions',
  'message_changes',
  'channel_removals',
  'channel_password_failures',
  'moderation_actions',
  'channel_message_days',
] as const;

type Run = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * DEFAULT channels' ids become real UUIDs (version 5 of the name, see defaultChannelId), so that strict validators
 * accept them. Only a DEFAULT channel whose id is the old formula's of its own name is renamed, with every row that
 * names it, in one transaction: the migration's own on SQLite (its foreign keys stay on, and every reference to
 * `channels.id` cascades on update), one opened here on MySQL, where migrations run outside a transaction because
 * DDL commits implicitly (this one has none; foreign key checks stay on there too, as a cascade does not run with
 * them off). A database that has the new ids already is left as it is; down gives the old ids back the same way.
 * A channel whose new id is taken (another DEFAULT channel of that name was made by a server of the other version)
 * fails the migration, which changes nothing: merging two channels' histories is not a migration's call.
 */
export class Migration20261203001100NameBasedChannelIds extends Migration {
  override async up(): Promise<void> {
    await this.rename(legacyId, nameBasedId);
  }

  override async down(): Promise<void> {
    await this.rename(nameBasedId, legacyId);
  }

  private async rename(from: (name: string) => string, to: (name: string) => string): Promise<void> {
    await this.transaction(async (run) => {
      const channels = (await run(`select id, name from channels where kind = 'DEFAULT' order by name, id`, [])) as {
        id: string;
        name: string;
      }[];
      for (const { id, name } of channels) {
        const next = to(name);
        if (id !== from(name) || id === next) continue;
        if ((await run('select id from channels where id = ?', [next])).length > 0) {
          throw new Error(
            `DEFAULT channel ${JSON.stringify(name)} cannot move from ${id} to ${next}: a channel has that id already`,
          );
        }
        await run(`update channels set id = ? where id = ? and kind = 'DEFAULT'`, [next, id]);
        for (const table of CHANNEL_COLUMNS) {
          await run(`update ${table} set channel_id = ? where channel_id = ?`, [next, id]);
        }
      }
    });
  }

  /** Runs `work` in the migration's transaction (SQLite) or in one of its own (MySQL). */
  private async transaction(work: (run: Run) => Promise<void>): Promise<void> {
    const runIn =
      (ctx: Transaction): Run =>
      (sql, params) =>
        this.driver.execute(sql, params, 'all', ctx);
    if (this.ctx) return work(runIn(this.ctx));
    await this.driver.getConnection('write').transactional((trx) => work(runIn(trx)));
  }
}
