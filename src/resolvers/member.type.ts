import { Field, ObjectType } from 'type-graphql';
import { PageInfoType } from './message.type';
import { UserType } from './user.type';

@ObjectType('UserEdge')
export class UserEdgeType {
  @Field()
  cursor!: string;

  @Field(() => UserType)
  node!: UserType;
}

@ObjectType('UserConnection', { description: 'A page of users, Relay-style.' })
export class UserConnectionType {
  @Field(() => [UserEdgeType])
  edges!: UserEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
