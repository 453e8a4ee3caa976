import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { User } from '../entities';
import { ResolverTimeout } from '../schema/operation-guards';
import type { Context } from '../schema/context';
import type { ModerationLogPage } from '../services/moderation.service';
import { ModerationActionConnectionType } from './moderation.type';
import { UserType } from './user.type';

/** Admin operations: bans and the moderation log (FORBIDDEN to everyone else). */
@UseMiddleware(ResolverTimeout)
@Resolver()
export class ModerationResolver {
  @Authorized()
  @Mutation(() => UserType, {
    description: [
      'Admins: bans a user until `until` (no end when null). Every session of theirs ends at once, everywhere, and',
      'signing in is refused while the ban lasts (FORBIDDEN with reason BANNED). Their messages stay.',
    ].join(' '),
  })
  banUser(
    @Arg('userId', () => ID) userId: string,
    @Arg('reason') reason: string,
    @Arg('until', () => Date, { nullable: true }) until: Date | null,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return ctx.services.moderation.ban(ctx.viewer!, userId, reason, until);
  }

  @Authorized()
  @Mutation(() => UserType, { description: 'Admins: lifts a ban.' })
  unbanUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<User> {
    return ctx.services.moderation.unban(ctx.viewer!, userId);
  }

  @Authorized()
  @Query(() => ModerationActionConnectionType, {
    description: 'Admins: the moderation log, newest first, 1–100 a page (default 50).',
  })
  moderationLog(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<ModerationLogPage> {
    return ctx.services.moderation.log(ctx.viewer!, { first, after });
  }
}
