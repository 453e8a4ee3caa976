import { ArgsType, Field, Int } from 'type-graphql';

/** Relay pagination arguments of a channel's history (Query.messages and Channel.messages). */
@ArgsType()
export class HistoryArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => Int, { nullable: true })
  last?: number | null;

  @Field(() => String, { nullable: true })
  before?: string | null;
}
