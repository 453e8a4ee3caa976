import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { ChannelKind, Tier } from '../entities';
import { MessageType } from './message.type';

@ObjectType('DayCount', { description: 'A count for one UTC day.' })
export class DayCountType {
  @Field({ description: 'the UTC date, YYYY-MM-DD' })
  day!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('HourCount', { description: 'A count for one hour.' })
export class HourCountType {
  @Field({ description: 'the start of the hour' })
  hour!: Date;

  @Field(() => Int)
  count!: number;
}

@ObjectType('ChannelActivity', { description: "A channel's USER messages over the last 7 days (today included)." })
export class ChannelActivityType {
  @Field(() => ID)
  channelId!: string;

  @Field(() => String, { nullable: true, description: 'null once the channel is deleted (its counts stay)' })
  name!: string | null;

  @Field(() => ChannelKind, { nullable: true })
  kind!: ChannelKind | null;

  @Field(() => Int)
  messages!: number;
}

@ObjectType('PassSales', { description: 'Passes of one tier sold on one UTC day.' })
export class PassSalesType {
  @Field()
  day!: string;

  @Field(() => Tier)
  tier!: Tier;

  @Field(() => Int)
  passes!: number;

  @Field(() => Int, {
    description: "what they paid, in the currency's smallest unit; passes granted without a checkout add nothing",
  })
  revenue!: number;

  @Field(() => String, { nullable: true, description: 'ISO 4217, lower case; null when nothing was paid' })
  currency!: string | null;
}

@ObjectType('AdminStats', { description: 'The operations page: how the service is doing.' })
export class AdminStatsType {
  @Field()
  generatedAt!: Date;

  @Field(() => [DayCountType], { description: 'users who made a signed-in request, per day: the last 30 days' })
  dailyActiveUsers!: DayCountType[];

  @Field(() => [DayCountType], { description: 'USER messages stored per day: the last 30 days' })
  messagesPerDay!: DayCountType[];

  @Field(() => [HourCountType], { description: 'USER messages stored per hour: the last 48 hours' })
  messagesPerHour!: HourCountType[];

  @Field(() => [ChannelActivityType], { description: 'the 10 channels with the most messages in the last 7 days' })
  busiestChannels!: ChannelActivityType[];

  @Field(() => Int, { description: 'graphql-ws sockets open on the instance that answered' })
  sockets!: number;

  @Field(() => Int, { description: 'live subscriptions on the instance that answered' })
  subscriptions!: number;

  @Field(() => Float, {
    description: 'age in seconds of the oldest stored message or change the broker has not acknowledged (0: none)',
  })
  relayLagSeconds!: number;

  @Field(() => [PassSalesType], { description: 'passes sold per day and tier: the last 30 days' })
  passSales!: PassSalesType[];
}

@ObjectType('UserAccount', { description: 'A user as admins see them: their address and their ban.' })
export class UserAccountType {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  displayName!: string;

  @Field()
  createdAt!: Date;

  @Field({ description: 'banned now' })
  banned!: boolean;

  @Field(() => Date, { nullable: true, description: 'when the ban ends; null for none or a ban without end' })
  bannedUntil!: Date | null;

  @Field(() => String, { nullable: true })
  banReason!: string | null;
}

@ObjectType('RecentMessage', { description: 'A message of any channel, with the name of its channel.' })
export class RecentMessageType {
  @Field(() => MessageType)
  message!: MessageType;

  @Field()
  channelName!: string;
}
