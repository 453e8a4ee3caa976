import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp, uuidPrimary } from './schema-builder';

/** A table /readyz writes to (and rolls back), so readiness means the database takes writes, not only reads. */
export class Migration20261202000500ReadinessProbes extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('readiness_probes', (t) => {
        uuidPrimary(t);
        timestamp(t, 'checked_at').notNullable();
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('readiness_probes'));
  }
}
