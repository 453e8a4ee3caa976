import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { ResolverTimeout } from '../schema/operation-guards';
import type { CheckoutLink } from '../payments/checkout-provider';
import type { Plan } from '../payments/plans';
import type { Context } from '../schema/context';
import { CheckoutSessionType, PlanType } from './checkout.types';

@UseMiddleware(ResolverTimeout)
@Resolver()
export class CheckoutResolver {
  @Query(() => [PlanType])
  plans(@Ctx() ctx: Context): Plan[] {
    return ctx.services.checkout.plans();
  }

  @Authorized()
  @Mutation(() => CheckoutSessionType)
  startCheckout(@Arg('planId', () => ID) planId: string, @Ctx() ctx: Context): Promise<CheckoutLink> {
    return ctx.services.checkout.start(ctx.viewer!, planId);
  }
}
