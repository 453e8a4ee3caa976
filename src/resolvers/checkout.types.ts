import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Tier } from '../entities';

@ObjectType('Plan', { description: 'Something a user can buy.' })
export class PlanType {
  @Field(() => ID, { description: 'stable identifier, e.g. PLUS_30D' })
  id!: string;

  @Field(() => Tier)
  tier!: Tier;

  @Field(() => Int)
  days!: number;

  @Field(() => Int, { description: "price in the currency's smallest unit" })
  amount!: number;

  @Field({ description: 'ISO-4217 code in lower case, e.g. usd' })
  currency!: string;
}

@ObjectType('CheckoutSession')
export class CheckoutSessionType {
  @Field(() => ID, { description: 'the Stripe Checkout Session id (cs_…); a local id for the development checkout' })
  id!: string;

  @Field({ description: 'where the user completes payment' })
  url!: string;
}
