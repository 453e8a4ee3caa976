import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A Stripe webhook event already handled; a redelivery of it changes nothing. */
@Entity({ tableName: 'stripe_events' })
export class StripeEvent {
  @PrimaryKey({ type: 'string', length: 255 })
  id!: string;

  @Property({ type: 'string', length: 128 })
  type!: string;

  @Property({ type: 'datetime', length: 3 })
  receivedAt!: Date;
}
