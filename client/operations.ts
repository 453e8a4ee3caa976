/**
 * Every GraphQL operation the client library sends. `npm run codegen` reads this file and writes the typed
 * documents into ./generated, so a schema change that breaks one of these breaks the type check.
 */
import { graphql } from './generated';

export const MessageFields = graphql(`
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
`);

export const ChannelFields = graphql(`
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
`);

export const ViewerFields = graphql(`
  fragment ViewerFields on Viewer {
    id
    email
    displayName
    tier
    tierExpiresAt
    isAdmin
  }
`);

export const RequestLoginCode = graphql(`
  mutation RequestLoginCode($email: String!) {
    requestLoginCode(email: $email) {
      email
      expiresAt
      resendAfter
      delivery
    }
  }
`);

export const VerifyLoginCode = graphql(`
  mutation VerifyLoginCode($email: String!, $code: String!) {
    verifyLoginCode(email: $email, code: $code) {
      token
      expiresAt
      viewer {
        ...ViewerFields
      }
    }
  }
`);

export const Logout = graphql(`
  mutation Logout {
    logout
  }
`);

export const Me = graphql(`
  query Me {
    me {
      ...ViewerFields
    }
  }
`);

export const UpdateDisplayName = graphql(`
  mutation UpdateDisplayName($displayName: String!) {
    updateDisplayName(displayName: $displayName) {
      ...ViewerFields
    }
  }
`);

export const Channels = graphql(`
  query Channels {
    channels {
      ...ChannelFields
    }
  }
`);

export const Channel = graphql(`
  query Channel($id: ID!) {
    channel(id: $id) {
      ...ChannelFields
    }
  }
`);

export const CreateChannel = graphql(`
  mutation CreateChannel($input: CreateChannelInput!) {
    createChannel(input: $input) {
      ...ChannelFields
    }
  }
`);

export const JoinChannel = graphql(`
  mutation JoinChannel($id: ID!, $password: String) {
    joinChannel(channelId: $id, password: $password) {
      ...ChannelFields
    }
  }
`);

export const ChangeChannelPassword = graphql(`
  mutation ChangeChannelPassword($id: ID!, $password: String!) {
    changeChannelPassword(channelId: $id, password: $password) {
      ...ChannelFields
    }
  }
`);

export const DeleteChannel = graphql(`
  mutation DeleteChannel($id: ID!) {
    deleteChannel(channelId: $id)
  }
`);

export const RemoveMember = graphql(`
  mutation RemoveMember($channelId: ID!, $userId: ID!) {
    removeMember(channelId: $channelId, userId: $userId)
  }
`);

export const LeaveChannel = graphql(`
  mutation LeaveChannel($id: ID!) {
    leaveChannel(channelId: $id)
  }
`);

export const Messages = graphql(`
  query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    messages(channelId: $id, first: $first, after: $after, last: $last, before: $before) {
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
`);

export const SendMessage = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      ...MessageFields
    }
  }
`);

export const MessageAdded = graphql(`
  subscription MessageAdded($channelId: ID!, $afterSeq: Int) {
    messageAdded(channelId: $channelId, afterSeq: $afterSeq) {
      ...MessageFields
    }
  }
`);

export const EditMessage = graphql(`
  mutation EditMessage($messageId: ID!, $body: String!) {
    editMessage(messageId: $messageId, body: $body) {
      ...MessageFields
    }
  }
`);

export const DeleteMessage = graphql(`
  mutation DeleteMessage($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      ...MessageFields
    }
  }
`);

export const MessageChanged = graphql(`
  subscription MessageChanged($channelId: ID!, $afterRev: Int) {
    messageChanged(channelId: $channelId, afterRev: $afterRev) {
      rev
      type
      message {
        ...MessageFields
      }
    }
  }
`);

export const MarkRead = graphql(`
  mutation MarkRead($id: ID!, $seq: Int!) {
    markRead(channelId: $id, seq: $seq) {
      ...ChannelFields
    }
  }
`);

export const Members = graphql(`
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
`);

export const ViewerEvents = graphql(`
  subscription ViewerEvents {
    viewerEvents {
      kind
      channel {
        ...ChannelFields
      }
    }
  }
`);

export const BanUser = graphql(`
  mutation BanUser($userId: ID!, $reason: String!, $until: DateTime) {
    banUser(userId: $userId, reason: $reason, until: $until) {
      id
      displayName
    }
  }
`);

export const UnbanUser = graphql(`
  mutation UnbanUser($userId: ID!) {
    unbanUser(userId: $userId) {
      id
      displayName
    }
  }
`);

export const ModerationLog = graphql(`
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
`);

export const AdminStats = graphql(`
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
`);

export const SearchUsers = graphql(`
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
`);

export const RecentMessages = graphql(`
  query RecentMessages($first: Int) {
    recentMessages(first: $first) {
      channelName
      message {
        ...MessageFields
      }
    }
  }
`);

export const Plans = graphql(`
  query Plans {
    plans {
      id
      tier
      days
      amount
      currency
    }
  }
`);

export const StartCheckout = graphql(`
  mutation StartCheckout($planId: ID!) {
    startCheckout(planId: $planId) {
      id
      url
    }
  }
`);

export const MqttCredentials = graphql(`
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
`);
