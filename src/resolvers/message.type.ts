import { Field, ID, Int, ObjectType } from 'type-graphql';
import { MessageKind, SystemEvent } from '../entities';
import { UserType } from './user.type';

@ObjectType('Message')
export class MessageType {
  @Field(() => ID, { description: "the server's messageId; clients de-duplicate on it" })
  id!: string;

  @Field(() => ID)
  channelId!: string;

  @Field(() => Int, {
    description:
      'position in the channel: 1 for the first message, then +1 for each stored message, no gaps, in store order',
  })
  seq!: number;

  @Field(() => MessageKind)
  kind!: MessageKind;

  @Field()
  body!: string;

  @Field(() => UserType, { nullable: true, description: 'null for SYSTEM messages' })
  sender!: UserType | null;

  @Field(() => SystemEvent, { nullable: true, description: 'set on SYSTEM messages' })
  systemEvent!: SystemEvent | null;

  @Field(() => String, { nullable: true, description: 'the id the sending client chose; null on SYSTEM messages' })
  clientMessageId!: string | null;

  @Field()
  createdAt!: Date;
}

@ObjectType('MessageEdge')
export class MessageEdgeType {
  @Field()
  cursor!: string;

  @Field(() => MessageType)
  node!: MessageType;
}

@ObjectType('PageInfo')
export class PageInfoType {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType('MessageConnection', {
  description: 'A page of messages, always in ascending seq order (oldest first), Relay-style.',
})
export class MessageConnectionType {
  @Field(() => [MessageEdgeType])
  edges!: MessageEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
