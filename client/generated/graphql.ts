/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ChannelKind =
  /** defined by the server; every signed-in user may read and post */
  | 'DEFAULT'
  /** created by a PRO user; a user enters once with the right password and stays a member */
  | 'PASSWORD'
  /** created by a PLUS or PRO user; only its owner may enter */
  | 'PRIVATE';

export type CodeDelivery =
  /** mailed to the address */
  | 'MAIL'
  /** written to the server's log: a development server without SMTP_URL mails nothing (never in production) */
  | 'SERVER_LOG';

export type CreateChannelInput = {
  /** PRIVATE or PASSWORD */
  kind: ChannelKind;
  name: string;
  /** required for PASSWORD, refused otherwise */
  password?: string | null | undefined;
};

export type MessageChangeType =
  /** it was deleted (deletedAt; its body is empty) */
  | 'DELETED'
  /** its sender edited it (editedAt, body) */
  | 'UPDATED';

export type MessageKind =
  /** written by the server (channel created, member joined, member left); shown in a distinct style */
  | 'SYSTEM'
  | 'USER';

export type ModerationActionKind =
  /** an admin banned targetUser (reason) */
  | 'BAN_USER'
  /** the channel's owner or an admin changed its password */
  | 'CHANGE_CHANNEL_PASSWORD'
  /** the channel's owner or an admin deleted it (channelId names it still) */
  | 'DELETE_CHANNEL'
  /** an admin or the channel's owner deleted a message of targetUser */
  | 'DELETE_MESSAGE'
  | 'REMOVE_MEMBER'
  /** an admin lifted the ban of targetUser */
  | 'UNBAN_USER';

export type SendMessageInput = {
  body: string;
  channelId: string | number;
  /** chosen by the client, unique per user; a retry with the same id stores nothing new and returns the first message */
  clientMessageId: string;
};

export type SystemEvent =
  | 'CHANNEL_CREATED'
  | 'MEMBER_JOINED'
  | 'MEMBER_LEFT'
  | 'MEMBER_REMOVED';

/** What a user has paid for. FREE users use DEFAULT channels only. */
export type Tier =
  | 'FREE'
  /** may create PRIVATE channels */
  | 'PLUS'
  /** may create PRIVATE and PASSWORD channels */
  | 'PRO';

export type ViewerEventKind =
  /** the viewer's read position in `channel` moved (markRead, on any of their clients) */
  | 'READ_POSITION';

export type MessageFieldsFragment = { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null };

export type ChannelFieldsFragment = { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null };

export type ViewerFieldsFragment = { id: string, email: string, displayName: string, tier: Tier, tierExpiresAt: string | null, isAdmin: boolean };

export type RequestLoginCodeMutationVariables = Exact<{
  email: string;
}>;


export type RequestLoginCodeMutation = { requestLoginCode: { email: string, expiresAt: string, resendAfter: string, delivery: CodeDelivery } };

export type VerifyLoginCodeMutationVariables = Exact<{
  email: string;
  code: string;
}>;


export type VerifyLoginCodeMutation = { verifyLoginCode: { token: string, expiresAt: string, viewer: { id: string, email: string, displayName: string, tier: Tier, tierExpiresAt: string | null, isAdmin: boolean } } };

export type LogoutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogoutMutation = { logout: boolean };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string, displayName: string, tier: Tier, tierExpiresAt: string | null, isAdmin: boolean } | null };

export type UpdateDisplayNameMutationVariables = Exact<{
  displayName: string;
}>;


export type UpdateDisplayNameMutation = { updateDisplayName: { id: string, email: string, displayName: string, tier: Tier, tierExpiresAt: string | null, isAdmin: boolean } };

export type ChannelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ChannelsQuery = { channels: Array<{ id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null }> };

export type ChannelQueryVariables = Exact<{
  id: string | number;
}>;


export type ChannelQuery = { channel: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } | null };

export type CreateChannelMutationVariables = Exact<{
  input: CreateChannelInput;
}>;


export type CreateChannelMutation = { createChannel: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } };

export type JoinChannelMutationVariables = Exact<{
  id: string | number;
  password?: string | null | undefined;
}>;


export type JoinChannelMutation = { joinChannel: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } };

export type ChangeChannelPasswordMutationVariables = Exact<{
  id: string | number;
  password: string;
}>;


export type ChangeChannelPasswordMutation = { changeChannelPassword: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } };

export type DeleteChannelMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteChannelMutation = { deleteChannel: boolean };

export type RemoveMemberMutationVariables = Exact<{
  channelId: string | number;
  userId: string | number;
}>;


export type RemoveMemberMutation = { removeMember: boolean };

export type LeaveChannelMutationVariables = Exact<{
  id: string | number;
}>;


export type LeaveChannelMutation = { leaveChannel: boolean };

export type MessagesQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type MessagesQuery = { messages: { lastRev: number, edges: Array<{ cursor: string, node: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type SendMessageMutationVariables = Exact<{
  input: SendMessageInput;
}>;


export type SendMessageMutation = { sendMessage: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } };

export type MessageAddedSubscriptionVariables = Exact<{
  channelId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type MessageAddedSubscription = { messageAdded: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } };

export type EditMessageMutationVariables = Exact<{
  messageId: string | number;
  body: string;
}>;


export type EditMessageMutation = { editMessage: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } };

export type DeleteMessageMutationVariables = Exact<{
  messageId: string | number;
}>;


export type DeleteMessageMutation = { deleteMessage: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } };

export type MessageChangedSubscriptionVariables = Exact<{
  channelId: string | number;
  afterRev?: number | null | undefined;
}>;


export type MessageChangedSubscription = { messageChanged: { rev: number, type: MessageChangeType, message: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } } };

export type MarkReadMutationVariables = Exact<{
  id: string | number;
  seq: number;
}>;


export type MarkReadMutation = { markRead: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } };

export type MembersQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MembersQuery = { channel: { id: string, memberCount: number, members: { edges: Array<{ cursor: string, node: { id: string, displayName: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type ViewerEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ViewerEventsSubscription = { viewerEvents: { kind: ViewerEventKind, channel: { id: string, name: string, kind: ChannelKind, createdAt: string, canAccess: boolean, lastSeq: number, lastRev: number, topic: string, lastReadSeq: number, unreadCount: number, memberCount: number, owner: { id: string, displayName: string } | null } | null } };

export type BanUserMutationVariables = Exact<{
  userId: string | number;
  reason: string;
  until?: string | null | undefined;
}>;


export type BanUserMutation = { banUser: { id: string, displayName: string } };

export type UnbanUserMutationVariables = Exact<{
  userId: string | number;
}>;


export type UnbanUserMutation = { unbanUser: { id: string, displayName: string } };

export type ModerationLogQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ModerationLogQuery = { moderationLog: { edges: Array<{ cursor: string, node: { id: string, action: ModerationActionKind, channelId: string | null, messageId: string | null, reason: string | null, createdAt: string, actor: { id: string, displayName: string } | null, targetUser: { id: string, displayName: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type AdminStatsQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminStatsQuery = { adminStats: { generatedAt: string, sockets: number, subscriptions: number, relayLagSeconds: number, dailyActiveUsers: Array<{ day: string, count: number }>, messagesPerDay: Array<{ day: string, count: number }>, messagesPerHour: Array<{ hour: string, count: number }>, busiestChannels: Array<{ channelId: string, name: string | null, kind: ChannelKind | null, messages: number }>, passSales: Array<{ day: string, tier: Tier, passes: number, revenue: number, currency: string | null }> } };

export type SearchUsersQueryVariables = Exact<{
  email: string;
}>;


export type SearchUsersQuery = { searchUsers: Array<{ id: string, email: string, displayName: string, createdAt: string, banned: boolean, bannedUntil: string | null, banReason: string | null }> };

export type RecentMessagesQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type RecentMessagesQuery = { recentMessages: Array<{ channelName: string, message: { id: string, channelId: string, seq: number, kind: MessageKind, body: string, systemEvent: SystemEvent | null, clientMessageId: string | null, createdAt: string, editedAt: string | null, deletedAt: string | null, rev: number, sender: { id: string, displayName: string } | null } }> };

export type PlansQueryVariables = Exact<{ [key: string]: never; }>;


export type PlansQuery = { plans: Array<{ id: string, tier: Tier, days: number, amount: number, currency: string }> };

export type StartCheckoutMutationVariables = Exact<{
  planId: string | number;
}>;


export type StartCheckoutMutation = { startCheckout: { id: string, url: string } };

export type MqttCredentialsQueryVariables = Exact<{ [key: string]: never; }>;


export type MqttCredentialsQuery = { mqttCredentials: { url: string, wsUrl: string | null, username: string, password: string, clientId: string, expiresAt: string, topics: Array<string> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const MessageFieldsFragmentDoc = new TypedDocumentString(`
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}
    `, {"fragmentName":"MessageFields"}) as unknown as TypedDocumentString<MessageFieldsFragment, unknown>;
export const ChannelFieldsFragmentDoc = new TypedDocumentString(`
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}
    `, {"fragmentName":"ChannelFields"}) as unknown as TypedDocumentString<ChannelFieldsFragment, unknown>;
export const ViewerFieldsFragmentDoc = new TypedDocumentString(`
    fragment ViewerFields on Viewer {
  id
  email
  displayName
  tier
  tierExpiresAt
  isAdmin
}
    `, {"fragmentName":"ViewerFields"}) as unknown as TypedDocumentString<ViewerFieldsFragment, unknown>;
export const RequestLoginCodeDocument = new TypedDocumentString(`
    mutation RequestLoginCode($email: String!) {
  requestLoginCode(email: $email) {
    email
    expiresAt
    resendAfter
    delivery
  }
}
    `) as unknown as TypedDocumentString<RequestLoginCodeMutation, RequestLoginCodeMutationVariables>;
export const VerifyLoginCodeDocument = new TypedDocumentString(`
    mutation VerifyLoginCode($email: String!, $code: String!) {
  verifyLoginCode(email: $email, code: $code) {
    token
    expiresAt
    viewer {
      ...ViewerFields
    }
  }
}
    fragment ViewerFields on Viewer {
  id
  email
  displayName
  tier
  tierExpiresAt
  isAdmin
}`) as unknown as TypedDocumentString<VerifyLoginCodeMutation, VerifyLoginCodeMutationVariables>;
export const LogoutDocument = new TypedDocumentString(`
    mutation Logout {
  logout
}
    `) as unknown as TypedDocumentString<LogoutMutation, LogoutMutationVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    ...ViewerFields
  }
}
    fragment ViewerFields on Viewer {
  id
  email
  displayName
  tier
  tierExpiresAt
  isAdmin
}`) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const UpdateDisplayNameDocument = new TypedDocumentString(`
    mutation UpdateDisplayName($displayName: String!) {
  updateDisplayName(displayName: $displayName) {
    ...ViewerFields
  }
}
    fragment ViewerFields on Viewer {
  id
  email
  displayName
  tier
  tierExpiresAt
  isAdmin
}`) as unknown as TypedDocumentString<UpdateDisplayNameMutation, UpdateDisplayNameMutationVariables>;
export const ChannelsDocument = new TypedDocumentString(`
    query Channels {
  channels {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<ChannelsQuery, ChannelsQueryVariables>;
export const ChannelDocument = new TypedDocumentString(`
    query Channel($id: ID!) {
  channel(id: $id) {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<ChannelQuery, ChannelQueryVariables>;
export const CreateChannelDocument = new TypedDocumentString(`
    mutation CreateChannel($input: CreateChannelInput!) {
  createChannel(input: $input) {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<CreateChannelMutation, CreateChannelMutationVariables>;
export const JoinChannelDocument = new TypedDocumentString(`
    mutation JoinChannel($id: ID!, $password: String) {
  joinChannel(channelId: $id, password: $password) {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<JoinChannelMutation, JoinChannelMutationVariables>;
export const ChangeChannelPasswordDocument = new TypedDocumentString(`
    mutation ChangeChannelPassword($id: ID!, $password: String!) {
  changeChannelPassword(channelId: $id, password: $password) {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<ChangeChannelPasswordMutation, ChangeChannelPasswordMutationVariables>;
export const DeleteChannelDocument = new TypedDocumentString(`
    mutation DeleteChannel($id: ID!) {
  deleteChannel(channelId: $id)
}
    `) as unknown as TypedDocumentString<DeleteChannelMutation, DeleteChannelMutationVariables>;
export const RemoveMemberDocument = new TypedDocumentString(`
    mutation RemoveMember($channelId: ID!, $userId: ID!) {
  removeMember(channelId: $channelId, userId: $userId)
}
    `) as unknown as TypedDocumentString<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const LeaveChannelDocument = new TypedDocumentString(`
    mutation LeaveChannel($id: ID!) {
  leaveChannel(channelId: $id)
}
    `) as unknown as TypedDocumentString<LeaveChannelMutation, LeaveChannelMutationVariables>;
export const MessagesDocument = new TypedDocumentString(`
    query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(
    channelId: $id
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    edges {
      cursor
      node {
        ...MessageFields
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    lastRev
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<MessagesQuery, MessagesQueryVariables>;
export const SendMessageDocument = new TypedDocumentString(`
    mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) {
    ...MessageFields
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<SendMessageMutation, SendMessageMutationVariables>;
export const MessageAddedDocument = new TypedDocumentString(`
    subscription MessageAdded($channelId: ID!, $afterSeq: Int) {
  messageAdded(channelId: $channelId, afterSeq: $afterSeq) {
    ...MessageFields
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<MessageAddedSubscription, MessageAddedSubscriptionVariables>;
export const EditMessageDocument = new TypedDocumentString(`
    mutation EditMessage($messageId: ID!, $body: String!) {
  editMessage(messageId: $messageId, body: $body) {
    ...MessageFields
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<EditMessageMutation, EditMessageMutationVariables>;
export const DeleteMessageDocument = new TypedDocumentString(`
    mutation DeleteMessage($messageId: ID!) {
  deleteMessage(messageId: $messageId) {
    ...MessageFields
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<DeleteMessageMutation, DeleteMessageMutationVariables>;
export const MessageChangedDocument = new TypedDocumentString(`
    subscription MessageChanged($channelId: ID!, $afterRev: Int) {
  messageChanged(channelId: $channelId, afterRev: $afterRev) {
    rev
    type
    message {
      ...MessageFields
    }
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<MessageChangedSubscription, MessageChangedSubscriptionVariables>;
export const MarkReadDocument = new TypedDocumentString(`
    mutation MarkRead($id: ID!, $seq: Int!) {
  markRead(channelId: $id, seq: $seq) {
    ...ChannelFields
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<MarkReadMutation, MarkReadMutationVariables>;
export const MembersDocument = new TypedDocumentString(`
    query Members($id: ID!, $first: Int, $after: String) {
  channel(id: $id) {
    id
    memberCount
    members(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          displayName
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MembersQuery, MembersQueryVariables>;
export const ViewerEventsDocument = new TypedDocumentString(`
    subscription ViewerEvents {
  viewerEvents {
    kind
    channel {
      ...ChannelFields
    }
  }
}
    fragment ChannelFields on Channel {
  id
  name
  kind
  owner {
    id
    displayName
  }
  createdAt
  canAccess
  lastSeq
  lastRev
  topic
  lastReadSeq
  unreadCount
  memberCount
}`) as unknown as TypedDocumentString<ViewerEventsSubscription, ViewerEventsSubscriptionVariables>;
export const BanUserDocument = new TypedDocumentString(`
    mutation BanUser($userId: ID!, $reason: String!, $until: DateTime) {
  banUser(userId: $userId, reason: $reason, until: $until) {
    id
    displayName
  }
}
    `) as unknown as TypedDocumentString<BanUserMutation, BanUserMutationVariables>;
export const UnbanUserDocument = new TypedDocumentString(`
    mutation UnbanUser($userId: ID!) {
  unbanUser(userId: $userId) {
    id
    displayName
  }
}
    `) as unknown as TypedDocumentString<UnbanUserMutation, UnbanUserMutationVariables>;
export const ModerationLogDocument = new TypedDocumentString(`
    query ModerationLog($first: Int, $after: String) {
  moderationLog(first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        action
        actor {
          id
          displayName
        }
        targetUser {
          id
          displayName
        }
        channelId
        messageId
        reason
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ModerationLogQuery, ModerationLogQueryVariables>;
export const AdminStatsDocument = new TypedDocumentString(`
    query AdminStats {
  adminStats {
    generatedAt
    dailyActiveUsers {
      day
      count
    }
    messagesPerDay {
      day
      count
    }
    messagesPerHour {
      hour
      count
    }
    busiestChannels {
      channelId
      name
      kind
      messages
    }
    sockets
    subscriptions
    relayLagSeconds
    passSales {
      day
      tier
      passes
      revenue
      currency
    }
  }
}
    `) as unknown as TypedDocumentString<AdminStatsQuery, AdminStatsQueryVariables>;
export const SearchUsersDocument = new TypedDocumentString(`
    query SearchUsers($email: String!) {
  searchUsers(email: $email) {
    id
    email
    displayName
    createdAt
    banned
    bannedUntil
    banReason
  }
}
    `) as unknown as TypedDocumentString<SearchUsersQuery, SearchUsersQueryVariables>;
export const RecentMessagesDocument = new TypedDocumentString(`
    query RecentMessages($first: Int) {
  recentMessages(first: $first) {
    channelName
    message {
      ...MessageFields
    }
  }
}
    fragment MessageFields on Message {
  id
  channelId
  seq
  kind
  body
  sender {
    id
    displayName
  }
  systemEvent
  clientMessageId
  createdAt
  editedAt
  deletedAt
  rev
}`) as unknown as TypedDocumentString<RecentMessagesQuery, RecentMessagesQueryVariables>;
export const PlansDocument = new TypedDocumentString(`
    query Plans {
  plans {
    id
    tier
    days
    amount
    currency
  }
}
    `) as unknown as TypedDocumentString<PlansQuery, PlansQueryVariables>;
export const StartCheckoutDocument = new TypedDocumentString(`
    mutation StartCheckout($planId: ID!) {
  startCheckout(planId: $planId) {
    id
    url
  }
}
    `) as unknown as TypedDocumentString<StartCheckoutMutation, StartCheckoutMutationVariables>;
export const MqttCredentialsDocument = new TypedDocumentString(`
    query MqttCredentials {
  mqttCredentials {
    url
    wsUrl
    username
    password
    clientId
    expiresAt
    topics
  }
}
    `) as unknown as TypedDocumentString<MqttCredentialsQuery, MqttCredentialsQueryVariables>;