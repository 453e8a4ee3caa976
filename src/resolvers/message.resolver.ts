import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../schema/context';
import type { MessagePage, MessageView } from '../services/views';
import { HistoryArgs } from './history.args';
import { MessageConnectionType, MessageType } from './message.type';
import { SendMessageInput } from './send-message.input';

@Resolver(() => MessageType)
export class MessageResolver {
  @Authorized()
  @Query(() => MessageConnectionType, {
    description: [
      'Cursor-paginated history. `last: n` (with optional `before`) pages backwards from the newest message;',
      '`first: n` (with optional `after`) pages forwards. At most 100 per page; 50 when neither is given (the newest 50).',
    ].join('\n'),
  })
  messages(
    @Arg('channelId', () => ID) channelId: string,
    @Args() args: HistoryArgs,
    @Ctx() ctx: Context,
  ): Promise<MessagePage> {
    return ctx.services.messages.history(ctx.viewer!, channelId, args);
  }

  @Authorized()
  @Mutation(() => MessageType)
  sendMessage(@Arg('input') input: SendMessageInput, @Ctx() ctx: Context): Promise<MessageView> {
    return ctx.services.messages.send(ctx.viewer!, input);
  }
}
