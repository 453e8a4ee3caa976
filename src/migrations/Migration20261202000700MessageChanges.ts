import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/**
 * Edits and deletions: a message's edit and deletion times and the change position (`rev`) of its newest change; a
 * channel's newest change position (`last_rev`), taken under the channel row's lock like `last_seq`; and the change
 * log, one row per change with the channel's gap-free `rev`, published through the outbox like messages.
 */
export class Migration20261202000700MessageChanges extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('messages', (t) => {
          timestamp(t, 'edited_at').nullable();
          timestamp(t, 'deleted_at').nullable();
          t.integer('rev').notNullable().defaultTo(0);
        })
        .alterTable('channels', (t) => {
          t.integer('last_rev').notNullable().defaultTo(0);
        })
        .createTable('message_changes', (t) => {
          uuidPrimary(t);
          t.string('channel_id', 36)
            .notNullable()
            .references('id')
            .inTable('channels')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.integer('rev').notNullable();
          t.string('message_id', 36)
            .notNullable()
            .references('id')
            .inTable('messages')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.string('actor_id', 36)
            .nullable()
            .references('id')
            .inTable('users')
            .onDelete('SET NULL')
            .onUpdate('CASCADE');
          timestamp(t, 'created_at').notNullable();
          timestamp(t, 'published_at').nullable();
          t.unique(['channel_id', 'rev']);
          t.index(['message_id']);
          t.index(['actor_id', 'created_at']);
          t.index(['published_at']);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .dropTable('message_changes')
        .alterTable('channels', (t) => {
          t.dropColumn('last_rev');
        })
        .alterTable('messages', (t) => {
          t.dropColumn('edited_at');
          t.dropColumn('deleted_at');
          t.dropColumn('rev');
        }),
    );
  }
}
