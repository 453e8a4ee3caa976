import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder';

/**
 * The operations page (adminStats): pre-aggregated rows, so that its charts read at most a few thousand rows
 * whatever the size of `messages` (see AdminStatsService); an index by which one hour's messages are counted by
 * channel without reading the rows; what each pass was paid, for revenue by day.
 */
export class Migration20261202001000Statistics extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('active_user_days', (t) => {
          t.string('day', 10).notNullable();
          t.string('user_id', 36).notNullable();
          t.primary(['day', 'user_id']);
        })
        .createTable('message_hours', (t) => {
          t.integer('hour').unsigned().notNullable().primary();
          t.integer('messages').notNullable();
        })
        .createTable('channel_message_days', (t) => {
          t.string('day', 10).notNullable();
          t.string('channel_id', 36).notNullable();
          t.integer('messages').notNullable();
          t.primary(['day', 'channel_id']);
        })
        .alterTable('messages', (t) => {
          t.index(['created_at', 'channel_id', 'kind']);
        })
        .alterTable('passes', (t) => {
          t.integer('amount').nullable().defaultTo(null);
          t.string('currency', 3).nullable().defaultTo(null);
          t.index(['created_at']);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .alterTable('passes', (t) => {
          t.dropIndex(['created_at']);
          t.dropColumn('amount');
          t.dropColumn('currency');
        })
        .alterTable('messages', (t) => {
          t.dropIndex(['created_at', 'channel_id', 'kind']);
        })
        .dropTable('channel_message_days')
        .dropTable('message_hours')
        .dropTable('active_user_days'),
    );
  }
}
