import { Migration } from '@mikro-orm/migrations';
import { addSchema, timestamp } from './schema-builder';

/** The Stripe events already handled (webhook idempotency). */
export class Migration20261123000300Payments extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s.createTable('stripe_events', (t) => {
        t.string('id', 255).primary();
        t.string('type', 128).notNullable();
        timestamp(t, 'received_at').notNullable();
      }),
    );
  }

  override down(): void {
    addSchema(this, (s) => s.dropTable('stripe_events'));
  }
}
