import { Field, ID, Int, ObjectType } from 'type-graphql';
import { MessageKind, SystemEvent } from '../entities';
import { ChangeType } from '../services/views';
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

  @Field({ description: 'empty once the message is deleted' })
  body!: string;

  @Field(() => UserType, { nullable: true, description: 'null for SYSTEM messages' })
  sender!: UserType | null;

  @Field(() => SystemEvent, { nullable: true, description: 'set on SYSTEM messages' })
  systemEvent!: SystemEvent | null;

  @Field(() => String, { nullable: true, description: 'the id the sending client chose; null on SYSTEM messages' })
  clientMessageId!: string | null;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'when its sender last edited it; null until then' })
  editedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'when it was deleted; its body is empty from then on and the old body cannot be read again',
  })
  deletedAt!: Date | null;

  @Field(() => Int, {
    description: [
      "the channel's change position (see MessageChange.rev) of its newest edit or deletion, 0 while it has none;",
      'of two copies of a message, the one with the higher rev is the newer',
    ].join(' '),
  })
  rev!: number;
}

@ObjectType('MessageChange', { description: 'An edit or deletion of a message (Subscription.messageChanged).' })
export class MessageChangeType {
  @Field(() => Int, {
    description: "position in the channel's changes: 1 for its first edit or deletion, then +1 for each, no gaps",
  })
  rev!: number;

  @Field(() => ChangeType)
  type!: ChangeType;

  @Field(() => MessageType, {
    description: 'the message as it is now: a change replayed after a later one shows the later state (message.rev)',
  })
  message!: MessageType;
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

  @Field(() => Int, {
    description: [
      "the channel's lastRev, read before the page's messages: every change after it is newer than the page, so",
      'subscribe messageChanged(afterRev:) from it to miss none',
    ].join(' '),
  })
  lastRev!: number;
}
