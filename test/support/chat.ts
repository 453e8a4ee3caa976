import { type Tier } from '../../src/entities';
import { CreateChannel, DeleteMessage, EditMessage, Messages, SendMessage } from '../../client/operations';
import type { HistoryPage } from '../../client/chat-client';
import type { TypedDocumentString } from '../../client/generated/graphql';
import { gql, type GraphqlResponse } from './graphql';
import { signIn } from './sign-in';
import type { SmtpSink } from './smtp-sink';
import type { TestServer } from './test-server';

// The client library's typed documents: tests send what clients send, and a schema change that breaks a client
// breaks the type check here.
export {
  Channel as CHANNEL,
  Channels as CHANNELS,
  CreateChannel as CREATE,
  JoinChannel as JOIN,
  LeaveChannel as LEAVE,
  Messages as HISTORY,
  SendMessage as SEND,
} from '../../client/operations';

let counter = 0;
export const uniqueEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${++counter}@example.com`;
export const uniqueId = (tag = 'c') => `${tag}-${Date.now().toString(36)}-${++counter}`;

/** A signed-in test user with helpers for the calls tests make most. */
export class TestUser {
  constructor(
    readonly server: TestServer,
    readonly token: string,
    readonly id: string,
    readonly email: string,
  ) {}

  static async signIn(
    server: TestServer,
    sink: SmtpSink,
    tag = 'user',
    tier?: Tier.PLUS | Tier.PRO,
  ): Promise<TestUser> {
    const email = uniqueEmail(tag);
    const { token, userId } = await signIn(server.url, sink, email);
    if (tier) await server.app.services.passes.grant({ userId, tier, days: 30 });
    return new TestUser(server, token, userId, email);
  }

  gql<R, V>(
    document: TypedDocumentString<R, V>,
    ...variables: Record<string, never> extends V ? [V?] : [V]
  ): Promise<GraphqlResponse<R>>;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>>;
  gql(query: string | TypedDocumentString<unknown, unknown>, variables: unknown = {}) {
    return gql(this.server.url, query as string, variables as Record<string, unknown>, this.token);
  }

  /** Creates a channel and returns its id (fails the test on an error). */
  async createChannel(kind: 'PRIVATE' | 'PASSWORD', name = uniqueId('room'), password?: string): Promise<string> {
    const res = await this.gql(CreateChannel, { input: { name, kind, password } });
    if (res.errors) throw new Error(`createChannel failed: ${JSON.stringify(res.errors)}`);
    return res.data!.createChannel.id;
  }

  send(channelId: string, body: string, clientMessageId = uniqueId('m')) {
    return this.gql(SendMessage, { input: { channelId, body, clientMessageId } });
  }

  edit(messageId: string, body: string) {
    return this.gql(EditMessage, { messageId, body });
  }

  delete(messageId: string) {
    return this.gql(DeleteMessage, { messageId });
  }

  history(channelId: string, args: HistoryPage = {}) {
    return this.gql(Messages, { id: channelId, ...args });
  }
}
