import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ChannelKind } from '../entities';
import { UserType } from './user.type';

@ObjectType('Channel')
export class ChannelType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => ChannelKind)
  kind!: ChannelKind;

  @Field(() => UserType, { nullable: true, description: 'null for DEFAULT channels' })
  owner!: UserType | null;

  @Field()
  createdAt!: Date;

  @Field({ description: 'whether the viewer may read, post and subscribe here now' })
  canAccess!: boolean;

  @Field(() => Int, {
    description: 'seq of the newest message, 0 when empty; 0 as well when the viewer cannot access the channel',
  })
  lastSeq!: number;

  @Field(() => Int, {
    description: [
      'change position of the newest edit or deletion here, 0 when none; 0 as well when the viewer cannot access the',
      'channel. Read it before loading history, then resume messageChanged(afterRev:) from it.',
    ].join(' '),
  })
  lastRev!: number;
}
