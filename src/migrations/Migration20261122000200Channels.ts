import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/** Channels, memberships, messages, passes and the channel-password throttle. */
export class Migration20261122000200Channels extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('channels', (t) => {
          uuidPrimary(t);
          t.string('name', 64).notNullable();
          t.enu('kind', ['DEFAULT', 'PRIVATE', 'PASSWORD']).notNullable();
          t.string('owner_id', 36)
            .nullable()
            .defaultTo(null)
            .references('id')
            .inTable('users')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.string('password_hash', 255).nullable().defaultTo(null);
          t.integer('last_seq').notNullable().defaultTo(0);
          timestamp(t, 'created_at').notNullable();
          t.index(['owner_id']);
        })
        .createTable('memberships', (t) => {
          t.string('channel_id', 36)
            .notNullable()
            .references('id')
            .inTable('channels')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.string('user_id', 36)
            .notNullable()
            .references('id')
            .inTable('users')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          timestamp(t, 'joined_at').notNullable();
          t.primary(['channel_id', 'user_id']);
          t.index(['user_id']);
        })
        .createTable('messages', (t) => {
          uuidPrimary(t);
          t.string('channel_id', 36)
            .notNullable()
            .references('id')
            .inTable('channels')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.integer('seq').notNullable();
          t.enu('kind', ['USER', 'SYSTEM']).notNullable();
          t.text('body').notNullable();
          t.string('sender_id', 36)
            .nullable()
            .defaultTo(null)
            .references('id')
            .inTable('users')
            .onDelete('SET NULL')
            .onUpdate('CASCADE');
          t.enu('system_event', ['CHANNEL_CREATED', 'MEMBER_JOINED', 'MEMBER_LEFT']).nullable().defaultTo(null);
          t.string('client_message_id', 64).nullable().defaultTo(null);
          timestamp(t, 'created_at').notNullable();
          timestamp(t, 'published_at').nullable();
          t.unique(['channel_id', 'seq']);
          t.unique(['sender_id', 'client_message_id']);
          t.index(['sender_id', 'created_at']);
          t.index(['published_at']);
        })
        .createTable('passes', (t) => {
          uuidPrimary(t);
          t.string('user_id', 36)
            .notNullable()
            .references('id')
            .inTable('users')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.enu('tier', ['FREE', 'PLUS', 'PRO']).notNullable();
          timestamp(t, 'starts_at').notNullable();
          timestamp(t, 'ends_at').notNullable();
          timestamp(t, 'created_at').notNullable();
          t.string('checkout_session_id', 255).nullable().defaultTo(null).unique();
          t.index(['user_id', 'ends_at']);
        })
        .createTable('channel_password_failures', (t) => {
          uuidPrimary(t);
          t.string('channel_id', 36).notNullable();
          t.string('user_id', 36).notNullable();
          timestamp(t, 'created_at').notNullable();
          t.index(['channel_id', 'user_id', 'created_at']);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .dropTable('channel_password_failures')
        .dropTable('passes')
        .dropTable('messages')
        .dropTable('memberships')
        .dropTable('channels'),
    );
  }
}
