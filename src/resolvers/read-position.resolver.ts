import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root, UseMiddleware } from 'type-graphql';
import type { Context } from '../schema/context';
import { ResolverTimeout } from '../schema/operation-guards';
import type { ChannelView } from '../services/views';
import { ChannelType } from './channel.type';

/** The viewer's read position per channel: `markRead`, `Channel.lastReadSeq` and `Channel.unreadCount`. */
@UseMiddleware(ResolverTimeout)
@Resolver(() => ChannelType)
export class ReadPositionResolver {
  @Authorized()
  @Mutation(() => ChannelType, {
    description:
      "moves the viewer's read position forward to seq (an older seq changes nothing); seq past the channel's newest is BAD_USER_INPUT",
  })
  async markRead(
    @Arg('channelId', () => ID) channelId: string,
    @Arg('seq', () => Int) seq: number,
    @Ctx() ctx: Context,
  ): Promise<ChannelView> {
    await ctx.services.reads.markRead(ctx.viewer!, channelId, seq);
    return (await ctx.services.channels.get(ctx.viewer!, channelId))!;
  }

  @Authorized()
  @FieldResolver(() => Int, {
    description: 'the seq up to which the viewer marked the channel read (markRead); 0 before the first mark',
  })
  async lastReadSeq(@Root() channel: ChannelView, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.readStates.load(channel)).lastReadSeq;
  }

  @Authorized()
  @FieldResolver(() => Int, {
    description:
      "USER messages by others after lastReadSeq, counted among the channel's newest 1,000 messages (show 999+ from there); 0 when the viewer cannot access the channel",
  })
  async unreadCount(@Root() channel: ChannelView, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.readStates.load(channel)).unreadCount;
  }
}
