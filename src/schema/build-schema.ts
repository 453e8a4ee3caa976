import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AuthResolver } from '../resolvers/auth.resolver';
import { ChannelResolver } from '../resolvers/channel.resolver';
import { CheckoutResolver } from '../resolvers/checkout.resolver';
import { MessageResolver } from '../resolvers/message.resolver';
import { MqttCredentialsResolver } from '../resolvers/mqtt-credentials.resolver';
import { ViewerResolver } from '../resolvers/viewer.resolver';
import { authChecker } from './auth-checker';
import { DateTimeScalar } from './date-time.scalar';
import './enums';

/** Builds the executable schema from the resolvers. Its SDL is committed as src/schema/schema.graphql. */
export function buildChatSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      AuthResolver,
      ViewerResolver,
      ChannelResolver,
      MessageResolver,
      CheckoutResolver,
      MqttCredentialsResolver,
    ],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    authChecker,
    validate: false,
    pubSub,
  });
}
