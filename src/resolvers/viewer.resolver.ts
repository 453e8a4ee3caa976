import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { ResolverTimeout } from '../schema/operation-guards';
import { Tier, type Pass } from '../entities';
import type { Context } from '../schema/context';
import { PassType } from './pass.type';
import { ViewerType } from './viewer.type';

@UseMiddleware(ResolverTimeout)
@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, { nullable: true, description: 'null when the request carries no valid session' })
  me(@Ctx() ctx: Context): ViewerType | null {
    return ctx.viewer?.user ?? null;
  }

  @Authorized()
  @Mutation(() => ViewerType)
  updateDisplayName(@Arg('displayName') displayName: string, @Ctx() ctx: Context): Promise<ViewerType> {
    return ctx.services.auth.updateDisplayName(ctx.viewer!, displayName);
  }

  @FieldResolver(() => Tier, {
    description: 'the tier in force now: the highest tier among passes that have not expired',
  })
  async tier(@Root() viewer: ViewerType, @Ctx() ctx: Context): Promise<Tier> {
    return (await ctx.services.passes.standing(viewer.id)).tier;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'when the current tier ends; null for FREE' })
  async tierExpiresAt(@Root() viewer: ViewerType, @Ctx() ctx: Context): Promise<Date | null> {
    return (await ctx.services.passes.standing(viewer.id)).expiresAt;
  }

  @FieldResolver(() => Boolean, { description: 'whether the viewer is an admin (ADMIN_EMAILS): moderation is theirs' })
  isAdmin(@Root() viewer: ViewerType, @Ctx() ctx: Context): boolean {
    return ctx.services.moderation.isAdmin({ user: viewer });
  }

  @FieldResolver(() => [PassType], { description: 'every pass bought, newest first' })
  passes(@Root() viewer: ViewerType, @Ctx() ctx: Context): Promise<Pass[]> {
    return ctx.services.passes.passes(viewer.id);
  }
}
