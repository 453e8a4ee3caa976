import { Field, ID, ObjectType } from 'type-graphql';
import { ModerationActionKind } from '../entities';
import { PageInfoType } from './message.type';
import { UserType } from './user.type';

@ObjectType('ModerationAction', { description: 'One moderation action: who did what to whom, where, when and why.' })
export class ModerationActionType {
  @Field(() => ID)
  id!: string;

  @Field(() => ModerationActionKind)
  action!: ModerationActionKind;

  @Field(() => UserType, { nullable: true, description: 'the admin or channel owner who acted; null once gone' })
  actor!: UserType | null;

  @Field(() => UserType, { nullable: true, description: 'the user acted upon (banned, or whose message it was)' })
  targetUser!: UserType | null;

  @Field(() => ID, { nullable: true })
  channelId!: string | null;

  @Field(() => ID, { nullable: true })
  messageId!: string | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  createdAt!: Date;
}

@ObjectType('ModerationActionEdge')
export class ModerationActionEdgeType {
  @Field()
  cursor!: string;

  @Field(() => ModerationActionType)
  node!: ModerationActionType;
}

@ObjectType('ModerationActionConnection', { description: 'A page of the moderation log, newest first.' })
export class ModerationActionConnectionType {
  @Field(() => [ModerationActionEdgeType])
  edges!: ModerationActionEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
