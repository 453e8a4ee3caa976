import { type Tier } from '../../src/entities';
import { gql } from './graphql';
import { signIn } from './sign-in';
import type { SmtpSink } from './smtp-sink';
import type { TestServer } from './test-server';

export const MESSAGE_FIELDS =
  'id channelId seq kind body sender { id displayName } systemEvent clientMessageId createdAt';
export const CHANNEL_FIELDS = 'id name kind owner { id displayName } createdAt canAccess lastSeq topic';

export const CHANNELS = `{ channels { ${CHANNEL_FIELDS} } }`;
export const CHANNEL = `query ($id: ID!) { channel(id: $id) { ${CHANNEL_FIELDS} } }`;
export const CREATE = `mutation ($input: CreateChannelInput!) { createChannel(input: $input) { ${CHANNEL_FIELDS} } }`;
export const JOIN = `mutation ($id: ID!, $password: String) { joinChannel(channelId: $id, password: $password) { ${CHANNEL_FIELDS} } }`;
export const LEAVE = 'mutation ($id: ID!) { leaveChannel(channelId: $id) }';
export const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
export const HISTORY = `query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(channelId: $id, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { ${MESSAGE_FIELDS} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

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

  gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) {
    return gql<T>(this.server.url, query, variables, this.token);
  }

  /** Creates a channel and returns its id (fails the test on an error). */
  async createChannel(kind: 'PRIVATE' | 'PASSWORD', name = uniqueId('room'), password?: string): Promise<string> {
    const res = await this.gql(CREATE, { input: { name, kind, password } });
    if (res.errors) throw new Error(`createChannel failed: ${JSON.stringify(res.errors)}`);
    return res.data!.createChannel.id;
  }

  send(channelId: string, body: string, clientMessageId = uniqueId('m')) {
    return this.gql(SEND, { input: { channelId, body, clientMessageId } });
  }

  history(channelId: string, args: { first?: number; after?: string; last?: number; before?: string } = {}) {
    return this.gql(HISTORY, { id: channelId, ...args });
  }
}
