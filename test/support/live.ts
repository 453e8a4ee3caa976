import type { GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';
import { MessageAdded, MessageChanged } from '../../client/operations';
import { CHANNEL, type TestUser } from './chat';
import { wsClient } from './graphql';

export const MESSAGE_ADDED = MessageAdded.toString();
export const MESSAGE_CHANGED = MessageChanged.toString();

/** The two streams of a channel: `messageAdded` (from a seq) and `messageChanged` (from a rev). */
const STREAMS = {
  messages: { query: MESSAGE_ADDED, field: 'messageAdded', after: 'afterSeq' },
  changes: { query: MESSAGE_CHANGED, field: 'messageChanged', after: 'afterRev' },
} as const;

/**
 * A messageAdded (or messageChanged) subscription as a client sees it: every message (or change) received, in
 * order, and the error or completion that ended it. `waitFor` resolves when a condition on the received messages holds (an event, not a sleep).
 */
export class LiveSubscription {
  readonly messages: any[] = [];
  errors: readonly GraphQLFormattedError[] | undefined;
  completed = false;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    readonly client: Client,
    channelId: string,
    after?: number,
    readonly ownsClient = false,
    stream: keyof typeof STREAMS = 'messages',
  ) {
    const { query, field, after: afterName } = STREAMS[stream];
    this.unsubscribe = client.subscribe(
      { query, variables: { channelId, [afterName]: after } },
      {
        next: (value) => {
          if (value.errors) this.errors = value.errors;
          if (value.data) this.messages.push((value.data as any)[field]);
          this.wake();
        },
        error: (error) => {
          this.errors = Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? error) }];
          this.wake();
        },
        complete: () => {
          this.completed = true;
          this.wake();
        },
      },
    );
  }

  /** Opens a socket of its own for `token` and subscribes on it. */
  static open(baseUrl: string, token: string, channelId: string, afterSeq?: number): LiveSubscription {
    const { client } = wsClient(baseUrl, { authToken: token });
    return new LiveSubscription(client, channelId, afterSeq, true);
  }

  /**
   * Subscribes `user` from the channel's newest seq now: whatever is stored after this call arrives, however soon
   * it is sent (the way a client opens a channel after loading its newest page).
   */
  static async from(user: TestUser, channelId: string): Promise<LiveSubscription> {
    const res = await user.gql(CHANNEL, { id: channelId });
    return LiveSubscription.open(user.server.url, user.token, channelId, res.data!.channel!.lastSeq);
  }

  /**
   * A messageChanged subscription of `user`'s own socket: from `afterRev`, or from the channel's newest rev now
   * (whatever is changed after this call arrives).
   */
  static async changes(user: TestUser, channelId: string, afterRev?: number): Promise<LiveSubscription> {
    const from = afterRev ?? (await user.gql(CHANNEL, { id: channelId })).data!.channel!.lastRev;
    const { client } = wsClient(user.server.url, { authToken: user.token });
    return new LiveSubscription(client, channelId, from, true, 'changes');
  }

  /** The revs of the changes received (messageChanged). */
  get revs(): number[] {
    return this.messages.map((c) => c.rev as number);
  }

  get seqs(): number[] {
    return this.messages.map((m) => m.seq as number);
  }

  get ended(): boolean {
    return this.completed || this.errors !== undefined;
  }

  /** Resolves once `check` holds (checked after every event), or rejects after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out waiting for ${what}; got seqs ${JSON.stringify(this.seqs)}, errors ${JSON.stringify(this.errors)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until `count` messages have arrived. */
  received(count: number): Promise<void> {
    return this.waitFor(() => this.messages.length >= count || this.ended, `${count} messages`);
  }

  /** Waits until the server ends the subscription (error or complete). */
  end(): Promise<void> {
    return this.waitFor(() => this.ended, 'the subscription to end');
  }

  async close(): Promise<void> {
    this.unsubscribe();
    if (this.ownsClient) await this.client.dispose();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
