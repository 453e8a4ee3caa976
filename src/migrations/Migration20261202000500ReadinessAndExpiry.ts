import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/**
 * A table /readyz writes to (and rolls back), so readiness means the database takes writes, not only reads; and an
 * index on sessions' expiry, by which the sessions that just expired are found.
 */
export class Migration20261202000500ReadinessAndExpiry extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .createTable('readiness_probes', (t) => {
          uuidPrimary(t);
          timestamp(t, 'checked_at').notNullable();
        })
        .alterTable('sessions', (t) => {
          t.index(['expires_at'], 'sessions_expires_at_index');
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .alterTable('sessions', (t) => {
          t.dropIndex(['expires_at'], 'sessions_expires_at_index');
        })
        .dropTable('readiness_probes'),
    );
  }
}
