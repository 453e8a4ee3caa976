import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/**
 * Moderation: a user's ban (when it was made, until when, why; no row of its own, as a user has at most one), and
 * the log of every moderation action. The log names users by foreign key (kept as null when the account is gone)
 * and channels and messages by id alone, so it outlives what it tells of.
 */
export class Migration20261202000800Moderation extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('users', (t) => {
          timestamp(t, 'banned_at').nullable();
          timestamp(t, 'banned_until').nullable();
          t.string('ban_reason', 500).nullable();
        })
        .createTable('moderation_actions', (t) => {
          uuidPrimary(t);
          t.string('action', 32).notNullable();
          t.string('actor_id', 36)
            .nullable()
            .references('id')
            .inTable('users')
            .onDelete('SET NULL')
            .onUpdate('CASCADE');
          t.string('target_user_id', 36)
            .nullable()
            .references('id')
            .inTable('users')
            .onDelete('SET NULL')
            .onUpdate('CASCADE');
          t.string('channel_id', 36).nullable();
          t.string('message_id', 36).nullable();
          t.string('reason', 500).nullable();
          timestamp(t, 'created_at').notNullable();
          t.index(['actor_id']);
          t.index(['target_user_id']);
          t.index(['created_at', 'id']);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s.dropTable('moderation_actions').alterTable('users', (t) => {
        t.dropColumn('banned_at');
        t.dropColumn('banned_until');
        t.dropColumn('ban_reason');
      }),
    );
  }
}
