import { Arg, Authorized, Ctx, Mutation, Resolver, UseMiddleware } from 'type-graphql';
import { ResolverTimeout } from '../schema/operation-guards';
import type { Context } from '../schema/context';
import { AuthPayloadType, LoginCodeRequestType } from './auth.types';

@UseMiddleware(ResolverTimeout)
@Resolver()
export class AuthResolver {
  @Mutation(() => LoginCodeRequestType, {
    description: 'mails a one-time code; the same answer whether or not the email has signed in before',
  })
  requestLoginCode(@Arg('email') email: string, @Ctx() ctx: Context): Promise<LoginCodeRequestType> {
    return ctx.services.auth.requestLoginCode(email, ctx.clientAddress);
  }

  @Mutation(() => AuthPayloadType, { description: 'creates the user on first success and opens a session' })
  async verifyLoginCode(
    @Arg('email') email: string,
    @Arg('code') code: string,
    @Ctx() ctx: Context,
  ): Promise<AuthPayloadType> {
    const { token, expiresAt, user } = await ctx.services.auth.verifyLoginCode(email, code);
    return { token, expiresAt, viewer: user };
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'ends the session that made the request' })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    await ctx.services.auth.logout(ctx.viewer!);
    return true;
  }
}
