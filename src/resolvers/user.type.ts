import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('User', { description: 'Another user, as everyone may see them.' })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field()
  displayName!: string;
}
