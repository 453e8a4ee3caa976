import { Field, ID, InputType } from 'type-graphql';

@InputType('SendMessageInput')
export class SendMessageInput {
  @Field(() => ID)
  channelId!: string;

  @Field()
  body!: string;

  @Field({
    description:
      'chosen by the client, unique per user; a retry with the same id stores nothing new and returns the first message',
  })
  clientMessageId!: string;
}
