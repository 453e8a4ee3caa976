import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../schema/context';
import { ViewerType } from './viewer.type';

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
}
