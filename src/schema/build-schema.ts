import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AdminResolver } from '../resolvers/admin.resolver';
import { AuthResolver } from '../resolvers/auth.resolver';
import { ChannelResolver } from '../resolvers/channel.resolver';
import { CheckoutResolver } from '../resolvers/checkout.resolver';
import { MemberResolver } from '../resolvers/member.resolver';
import { MessageResolver } from '../resolvers/message.resolver';
import { MqttCredentialsResolver } from '../resolvers/mqtt-credentials.resolver';
import { ModerationResolver } from '../resolvers/moderation.resolver';
import { ReadPositionResolver } from '../resolvers/read-position.resolver';
import { ViewerEventResolver } from '../resolvers/viewer-event.resolver';
import { ViewerResolver } from '../resolvers/viewer.resolver';
import { authChecker } from './auth-checker';
import { DateTimeScalar } from './date-time.scalar';
import './enums';

/**
 * type-graphql 2.0-rc requires a pub/sub even when, as here, every subscription opens its own stream
 * (`@Subscription({ subscribe })`, reading the request's context): this one refuses to be used.
 */
const noTopics: PubSub = {
  publish: () => {
    throw new Error('subscriptions open their own streams; nothing is published through a pub/sub');
  },
  subscribe: () => {
    throw new Error('subscriptions open their own streams; nothing is subscribed through a pub/sub');
  },
};

/** Builds the executable schema from the resolvers. Its SDL is committed as src/schema/schema.graphql. */
export function buildChatSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [
      AdminResolver,
      AuthResolver,
      ViewerResolver,
      ChannelResolver,
      MessageResolver,
      ReadPositionResolver,
      ViewerEventResolver,
      MemberResolver,
      CheckoutResolver,
      MqttCredentialsResolver,
      ModerationResolver,
    ],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    authChecker,
    validate: false,
    pubSub: noTopics,
  });
}
