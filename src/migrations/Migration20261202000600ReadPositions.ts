import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-builder';

/** Each user's read position in each channel they have marked read (markRead), for unread counts. */
export class Migration20261202000600ReadPositions extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('read_positions', (t) => {
        t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE').onUpdate('CASCADE');
        t.string('channel_id', 36)
          .notNullable()
          .references('id')
          .inTable('channels')
          .onDelete('CASCADE')
          .onUpdate('CASCADE');
        t.integer('seq').notNullable();
        timestamp(t, 'updated_at').notNullable();
        t.primary(['user_id', 'channel_id']);
        t.index(['channel_id']);
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('read_positions'));
  }
}
