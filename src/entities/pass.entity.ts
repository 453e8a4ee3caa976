import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Tier } from './enums';
import { User } from './user.entity';

/** A time-limited PLUS or PRO pass. It never renews; a pass of a tier already held starts when that one ends. */
@Entity({ tableName: 'passes' })
@Index({ properties: ['user', 'endsAt'] })
@Index({ properties: ['createdAt'] })
export class Pass {
  @PrimaryKey({ type: 'string', length: 36 })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: () => Tier })
  tier!: Tier;

  @Property({ type: 'datetime', length: 3 })
  startsAt!: Date;

  @Property({ type: 'datetime', length: 3 })
  endsAt!: Date;

  @Property({ type: 'datetime', length: 3 })
  createdAt!: Date;

  /** What was paid, in the currency's smallest unit; null for passes granted without a checkout, or before 0010. */
  @Property({ type: 'integer', nullable: true, default: null })
  amount: number | null = null;

  @Property({ type: 'string', length: 3, nullable: true, default: null })
  currency: string | null = null;

  /** The Stripe Checkout Session (or development checkout) that paid for it; one pass per session. */
  @Property({ type: 'string', length: 255, nullable: true, default: null, unique: true, hidden: true })
  checkoutSessionId: string | null = null;
}
