import { Authorized, Ctx, Field, ObjectType, Query, Resolver, UseMiddleware } from 'type-graphql';
import { ResolverTimeout } from '../schema/operation-guards';
import type { MqttCredentials } from '../bridge/broker-access';
import type { Context } from '../schema/context';

@ObjectType('MqttCredentials', {
  description: 'What a client needs to receive messages straight from the MQTT broker.',
})
export class MqttCredentialsType {
  @Field({ description: 'mqtt:// or mqtts:// address for native clients' })
  url!: string;

  @Field(() => String, {
    nullable: true,
    description: 'ws:// or wss:// address for MQTT over WebSockets, when the broker offers one',
  })
  wsUrl!: string | null;

  @Field()
  username!: string;

  @Field()
  password!: string;

  @Field({ description: 'the client id the broker expects (or a prefix of it)' })
  clientId!: string;

  @Field({ description: 'when these credentials stop working' })
  expiresAt!: Date;

  @Field(() => [String], { description: 'the topics these credentials may subscribe to now' })
  topics!: string[];
}

@UseMiddleware(ResolverTimeout)
@Resolver()
export class MqttCredentialsResolver {
  @Authorized()
  @Query(() => MqttCredentialsType)
  mqttCredentials(@Ctx() ctx: Context): Promise<MqttCredentials> {
    return ctx.brokerAccess.credentials(ctx.viewer!);
  }
}
