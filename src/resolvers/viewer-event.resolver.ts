import { Ctx, FieldResolver, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { ViewerEvent } from '../bridge/viewer-events';
import type { Context } from '../schema/context';
import type { ChannelView } from '../services/views';
import { ChannelType } from './channel.type';
import { ViewerEventType } from './viewer-event.type';

@Resolver(() => ViewerEventType)
export class ViewerEventResolver {
  @Subscription(() => ViewerEventType, {
    description: [
      "The viewer's own events, from every client they are signed in on: a READ_POSITION event carries the channel",
      'whose read position moved (select `lastReadSeq` and `unreadCount` on it). Events not yet sent are coalesced',
      'per channel.',
    ].join('\n'),
    subscribe: ({ context }: SubscribeResolverData<unknown, object, Context>) =>
      context.viewerEvents.subscribe(context.viewer),
  })
  viewerEvents(@Root() event: ViewerEvent): ViewerEvent {
    return event;
  }

  @FieldResolver(() => ChannelType, { nullable: true, description: 'null when the viewer can no longer see it' })
  channel(@Root() event: ViewerEvent, @Ctx() ctx: Context): Promise<ChannelView | null> {
    return ctx.services.channels.get(ctx.viewer!, event.channelId);
  }
}
