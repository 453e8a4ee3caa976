import { Arg, Authorized, Ctx, Int, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { Context } from '../schema/context';
import { ResolverTimeout } from '../schema/operation-guards';
import type { RecentMessageView, UserAccountView } from '../services/admin-lookup.service';
import type { AdminStatsView } from '../services/admin-stats.service';
import { AdminStatsType, RecentMessageType, UserAccountType } from './admin.types';

/** The operations page's reads (FORBIDDEN to everyone but admins). */
@UseMiddleware(ResolverTimeout)
@Resolver()
export class AdminResolver {
  @Authorized()
  @Query(() => AdminStatsType, { description: 'Admins: how the service is doing (the operations page at /admin).' })
  adminStats(@Ctx() ctx: Context): Promise<AdminStatsView> {
    return ctx.services.adminStats.stats(ctx.viewer!);
  }

  @Authorized()
  @Query(() => [UserAccountType], {
    description: 'Admins: up to 20 users whose address starts with `email` (at least 3 characters, any case).',
  })
  searchUsers(@Arg('email') email: string, @Ctx() ctx: Context): Promise<UserAccountView[]> {
    return ctx.services.adminLookup.searchUsers(ctx.viewer!, email);
  }

  @Authorized()
  @Query(() => [RecentMessageType], {
    description:
      'Admins: the newest messages of every channel, deleted ones left out, newest first (1–100, default 50).',
  })
  recentMessages(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: Context,
  ): Promise<RecentMessageView[]> {
    return ctx.services.adminLookup.recentMessages(ctx.viewer!, first);
  }
}
