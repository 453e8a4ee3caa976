import { Arg, Authorized, Ctx, FieldResolver, Int, Resolver, Root, UseMiddleware } from 'type-graphql';
import type { Context } from '../schema/context';
import { ResolverTimeout } from '../schema/operation-guards';
import type { MemberPage } from '../services/member.service';
import type { ChannelView } from '../services/views';
import { ChannelType } from './channel.type';
import { UserConnectionType } from './member.type';

/** Who is in a channel: `Channel.memberCount` and `Channel.members`. */
@UseMiddleware(ResolverTimeout)
@Resolver(() => ChannelType)
export class MemberResolver {
  @Authorized()
  @FieldResolver(() => Int, {
    description:
      'PASSWORD: the members; PRIVATE: 1 (the owner); DEFAULT: 0, as it has no member list (every signed-in user may read it); 0 as well when the viewer cannot access the channel',
  })
  memberCount(@Root() channel: ChannelView, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.memberCounts.load(channel);
  }

  @Authorized()
  @FieldResolver(() => UserConnectionType, {
    description:
      'the members in the order they joined (first: 1–100, default 50), for those who can access the channel; empty for DEFAULT channels',
  })
  members(
    @Root() channel: ChannelView,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<MemberPage> {
    return ctx.services.members.page(ctx.viewer!, channel.id, { first, after });
  }
}
