import { Field, ObjectType } from 'type-graphql';
import { CodeDelivery } from '../mail/mailer';
import { ViewerType } from './viewer.type';

@ObjectType('LoginCodeRequest')
export class LoginCodeRequestType {
  @Field()
  email!: string;

  @Field({ description: 'when the mailed code stops working' })
  expiresAt!: Date;

  @Field({ description: 'the earliest time another code may be requested for this email' })
  resendAfter!: Date;

  @Field(() => CodeDelivery, { description: 'where the code went: say so to the user' })
  delivery!: CodeDelivery;
}

@ObjectType('AuthPayload')
export class AuthPayloadType {
  @Field({
    description: 'opaque bearer token: send it as `Authorization: Bearer <token>` or as connectionParams.authToken',
  })
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => ViewerType)
  viewer!: ViewerType;
}
