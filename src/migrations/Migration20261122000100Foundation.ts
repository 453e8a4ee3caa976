import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/** Users, sessions and the login-code tables behind passwordless sign-in. */
export class Migration20261122000100Foundation extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('users', (t) => {
          uuidPrimary(t);
          t.string('email', 254).notNullable().unique();
          t.string('display_name', 64).notNullable();
          timestamp(t, 'created_at').notNullable();
        })
        .createTable('sessions', (t) => {
          uuidPrimary(t);
          t.string('user_id', 36)
            .notNullable()
            .references('id')
            .inTable('users')
            .onDelete('CASCADE')
            .onUpdate('CASCADE');
          t.string('token_hash', 64).notNullable().unique();
          timestamp(t, 'created_at').notNullable();
          timestamp(t, 'expires_at').notNullable();
          timestamp(t, 'revoked_at').nullable();
          t.index(['user_id']);
        })
        .createTable('login_codes', (t) => {
          t.string('email', 254).primary();
          t.string('code_hash', 64).notNullable();
          timestamp(t, 'created_at').notNullable();
          timestamp(t, 'expires_at').notNullable();
          t.integer('failed_attempts').notNullable().defaultTo(0);
          timestamp(t, 'consumed_at').nullable();
        })
        .createTable('login_code_requests', (t) => {
          uuidPrimary(t);
          t.string('email', 254).notNullable();
          t.string('client_address', 64).notNullable();
          timestamp(t, 'created_at').notNullable();
          t.index(['email', 'created_at']);
          t.index(['client_address', 'created_at']);
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s.dropTable('login_code_requests').dropTable('login_codes').dropTable('sessions').dropTable('users'),
    );
  }
}
