import type { GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';
import { MessageAdded } from '../../client/operations';
import { CHANNEL, type TestUser } from './chat';
import { wsClient } from './graphql';

export const MESSAGE_ADDED = MessageAdded.toString();

/**
 * A messageAdded subscription as a client sees it: every message received, in order, and the error or completion
 * that ended it. `waitFor` resolves when a condition on the received messages holds (an event, not a sleep).
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
    afterSeq?: number,
    readonly ownsClient = false,
  ) {
    this.unsubscribe = client.subscribe(
      { query: MESSAGE_ADDED, variables: { channelId, afterSeq } },
      {
        next: (value) => {
          if (value.errors) this.errors = value.errors;
          if (value.data) this.messages.push((value.data as any).messageAdded);
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
