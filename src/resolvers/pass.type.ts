import { Field, ID, ObjectType } from 'type-graphql';
import { Tier } from '../entities';

@ObjectType('Pass', { description: 'A time-limited pass bought through checkout. Passes never renew by themselves.' })
export class PassType {
  @Field(() => ID)
  id!: string;

  @Field(() => Tier)
  tier!: Tier;

  @Field()
  startsAt!: Date;

  @Field()
  endsAt!: Date;

  @Field()
  createdAt!: Date;
}
