import { Field, InputType } from 'type-graphql';
import { ChannelKind } from '../entities';

@InputType('CreateChannelInput')
export class CreateChannelInput {
  @Field()
  name!: string;

  @Field(() => ChannelKind, { description: 'PRIVATE or PASSWORD' })
  kind!: ChannelKind;

  @Field(() => String, { nullable: true, description: 'required for PASSWORD, refused otherwise' })
  password?: string | null;
}
