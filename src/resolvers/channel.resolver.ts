import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  UseMiddleware,
} from 'type-graphql';
import { ResolverTimeout, takeHistoryPage } from '../schema/operation-guards';
import { MESSAGE_RULES } from '../services/message.service';
import type { Context } from '../schema/context';
import type { ChannelView, MessagePage } from '../services/views';
import { ChannelType } from './channel.type';
import { CreateChannelInput } from './create-channel.input';
import { HistoryArgs } from './history.args';
import { MessageConnectionType } from './message.type';

@UseMiddleware(ResolverTimeout)
@Resolver(() => ChannelType)
export class ChannelResolver {
  @Authorized()
  @Query(() => [ChannelType], {
    description: "DEFAULT channels, every PASSWORD channel, and the viewer's own PRIVATE channels",
  })
  channels(@Ctx() ctx: Context): Promise<ChannelView[]> {
    return ctx.services.channels.list(ctx.viewer!);
  }

  @Authorized()
  @Query(() => ChannelType, {
    nullable: true,
    description: "null when the channel does not exist or is another user's PRIVATE channel",
  })
  channel(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ChannelView | null> {
    return ctx.services.channels.get(ctx.viewer!, id);
  }

  @Authorized()
  @Mutation(() => ChannelType)
  createChannel(@Arg('input') input: CreateChannelInput, @Ctx() ctx: Context): Promise<ChannelView> {
    return ctx.services.channels.create(ctx.viewer!, input);
  }

  @Authorized()
  @Mutation(() => ChannelType, { description: 'password is required for PASSWORD channels; joining again is harmless' })
  joinChannel(
    @Arg('channelId', () => ID) channelId: string,
    @Arg('password', () => String, { nullable: true }) password: string | null,
    @Ctx() ctx: Context,
  ): Promise<ChannelView> {
    return ctx.services.channels.join(ctx.viewer!, channelId, password);
  }

  @Authorized()
  @Mutation(() => ChannelType, {
    description: [
      'The owner of a PASSWORD channel (or an admin) replaces its password: members stay, and whoever joins from now',
      'on needs the new one. Recorded in the moderation log.',
    ].join(' '),
  })
  changeChannelPassword(
    @Arg('channelId', () => ID) channelId: string,
    @Arg('password') password: string,
    @Ctx() ctx: Context,
  ): Promise<ChannelView> {
    return ctx.services.channelModeration.changePassword(ctx.viewer!, channelId, password);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: [
      'The owner of a PRIVATE or PASSWORD channel (or an admin) deletes it with all its messages; its subscriptions',
      'end with NOT_FOUND. Recorded in the moderation log.',
    ].join(' '),
  })
  deleteChannel(@Arg('channelId', () => ID) channelId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.channelModeration.deleteChannel(ctx.viewer!, channelId);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: [
      'The owner of a PASSWORD channel (or an admin) removes a member, with a MEMBER_REMOVED message; their',
      'subscriptions to it end with FORBIDDEN, and they cannot join again (FORBIDDEN, reason REMOVED) until the',
      'password changes. False when the user was not a member (who is kept out all the same). Recorded in the',
      'moderation log.',
    ].join(' '),
  })
  removeMember(
    @Arg('channelId', () => ID) channelId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.channelModeration.removeMember(ctx.viewer!, channelId, userId);
  }

  @Authorized()
  @Mutation(() => Boolean)
  leaveChannel(@Arg('channelId', () => ID) channelId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.channels.leave(ctx.viewer!, channelId);
  }

  @FieldResolver(() => String, { description: "the MQTT topic on which this channel's stored messages are published" })
  topic(@Root() channel: ChannelView, @Ctx() ctx: Context): string {
    return ctx.topics.channel(channel.id);
  }

  @FieldResolver(() => MessageConnectionType, { description: 'the same as Query.messages for this channel' })
  messages(@Root() channel: ChannelView, @Args() args: HistoryArgs, @Ctx() ctx: Context): Promise<MessagePage> {
    takeHistoryPage(ctx, args.first ?? args.last ?? MESSAGE_RULES.defaultPage);
    return ctx.services.messages.history(ctx.viewer!, channel.id, args);
  }
}
