import {
  Arg,
  Args,
  Authorized,
  Ctx,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
  UseMiddleware,
} from 'type-graphql';
import { ResolverTimeout, takeHistoryPage } from '../schema/operation-guards';
import { MESSAGE_RULES } from '../services/message.service';
import type { Context } from '../schema/context';
import type { ChangeView, MessagePage, MessageView } from '../services/views';
import { HistoryArgs } from './history.args';
import { MessageChangeType, MessageConnectionType, MessageType } from './message.type';
import { SendMessageInput } from './send-message.input';

interface MessageAddedArgs {
  channelId: string;
  afterSeq?: number | null;
}

interface MessageChangedArgs {
  channelId: string;
  afterRev?: number | null;
}

@UseMiddleware(ResolverTimeout)
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
    takeHistoryPage(ctx, args.first ?? args.last ?? MESSAGE_RULES.defaultPage);
    return ctx.services.messages.history(ctx.viewer!, channelId, args);
  }

  @Subscription(() => MessageType, {
    description: [
      'Stored messages of one channel as they are stored. With `afterSeq`, every stored message with a',
      'greater seq is sent first, then live ones, with no gap and no repeat between the two.',
    ].join('\n'),
    // Access is checked as the stream opens: a refused subscription ends with its error before any message.
    subscribe: ({ args, context }: SubscribeResolverData<unknown, MessageAddedArgs, Context>) =>
      context.live.subscribe(context.viewer, args.channelId, args.afterSeq),
  })
  messageAdded(
    @Root() message: MessageView,
    @Arg('channelId', () => ID) _channelId: string,
    @Arg('afterSeq', () => Int, { nullable: true }) _afterSeq?: number,
  ): MessageView {
    return message;
  }

  @Subscription(() => MessageChangeType, {
    description: [
      "Edits and deletions of one channel's messages as they are stored, in rev order. With `afterRev`, every",
      'stored change with a greater rev is sent first (each with its message as it is now), then live ones, with no',
      'gap and no repeat. Resume from the highest rev seen (or from Channel.lastRev read before the history).',
    ].join('\n'),
    subscribe: ({ args, context }: SubscribeResolverData<unknown, MessageChangedArgs, Context>) =>
      context.live.subscribeChanges(context.viewer, args.channelId, args.afterRev),
  })
  messageChanged(
    @Root() change: ChangeView,
    @Arg('channelId', () => ID) _channelId: string,
    @Arg('afterRev', () => Int, { nullable: true }) _afterRev?: number,
  ): ChangeView {
    return change;
  }

  @Authorized()
  @Mutation(() => MessageType, {
    description: 'Replaces the body of one of your messages (same rules as sending); it keeps its id and seq.',
  })
  editMessage(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('body') body: string,
    @Ctx() ctx: Context,
  ): Promise<MessageView> {
    return ctx.services.changes.edit(ctx.viewer!, messageId, body);
  }

  @Authorized()
  @Mutation(() => MessageType, {
    description: 'Deletes one of your messages: it keeps its id and seq, its body becomes empty for good.',
  })
  deleteMessage(@Arg('messageId', () => ID) messageId: string, @Ctx() ctx: Context): Promise<MessageView> {
    return ctx.services.changes.delete(ctx.viewer!, messageId);
  }

  @Authorized()
  @Mutation(() => MessageType)
  sendMessage(@Arg('input') input: SendMessageInput, @Ctx() ctx: Context): Promise<MessageView> {
    return ctx.services.messages.send(ctx.viewer!, input);
  }
}
