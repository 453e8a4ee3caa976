import type { PubSub } from 'type-graphql';
import type { Viewer } from '../services/auth.service';
import type { MessageView } from '../services/views';
import type { LiveMessages } from './live-messages';
import type { Relay } from './relay';

/** The schema's subscription topics. */
export const Topic = { MessageAdded: 'MESSAGE_ADDED' } as const;

/** What `messageAdded` asks for: its arguments and who asks. */
export interface MessageAddedRequest {
  viewer: Viewer | null;
  channelId: string;
  afterSeq?: number | null;
}

/**
 * type-graphql's PubSub over MQTT: publishing a stored message hands it to the relay (which publishes it to the
 * broker after its commit), and subscribing opens a live stream from the bridge. Access is checked when the stream
 * opens, so a refused subscription ends with its error before any message.
 */
export class ChatPubSub implements PubSub {
  constructor(
    private readonly relay: Pick<Relay, 'publish'>,
    private readonly live: Pick<LiveMessages, 'subscribe'>,
  ) {}

  publish(topic: string, message: unknown): void {
    if (topic !== Topic.MessageAdded) throw new Error(`unknown topic ${topic}`);
    this.relay.publish(message as MessageView);
  }

  subscribe(topic: string, request?: unknown): AsyncIterable<MessageView> {
    if (topic !== Topic.MessageAdded) throw new Error(`unknown topic ${topic}`);
    const { viewer, channelId, afterSeq } = request as MessageAddedRequest;
    const live = this.live;
    return {
      [Symbol.asyncIterator]() {
        let stream: Promise<AsyncIterableIterator<MessageView>> | undefined;
        const open = () => (stream ??= live.subscribe(viewer, channelId, afterSeq));
        const done = { value: undefined, done: true } as const;
        return {
          next: async () => (await open()).next(),
          // Never rejects: a stream that failed to open has already reported its error through `next`, and
          // graphql-ws calls `return` on close without handling a rejection.
          return: async () => {
            try {
              return (stream && (await (await stream).return?.())) || done;
            } catch {
              return done;
            }
          },
        };
      },
    };
  }
}
