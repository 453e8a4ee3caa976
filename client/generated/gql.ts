/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment MessageFields on Message {\n    id\n    channelId\n    seq\n    kind\n    body\n    sender {\n      id\n      displayName\n    }\n    systemEvent\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    rev\n  }\n": typeof types.MessageFieldsFragmentDoc,
    "\n  fragment ChannelFields on Channel {\n    id\n    name\n    kind\n    owner {\n      id\n      displayName\n    }\n    createdAt\n    canAccess\n    lastSeq\n    lastRev\n    topic\n    lastReadSeq\n    unreadCount\n    memberCount\n  }\n": typeof types.ChannelFieldsFragmentDoc,
    "\n  fragment ViewerFields on Viewer {\n    id\n    email\n    displayName\n    tier\n    tierExpiresAt\n    isAdmin\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  mutation RequestLoginCode($email: String!) {\n    requestLoginCode(email: $email) {\n      email\n      expiresAt\n      resendAfter\n      delivery\n    }\n  }\n": typeof types.RequestLoginCodeDocument,
    "\n  mutation VerifyLoginCode($email: String!, $code: String!) {\n    verifyLoginCode(email: $email, code: $code) {\n      token\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.VerifyLoginCodeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  query Me {\n    me {\n      ...ViewerFields\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation UpdateDisplayName($displayName: String!) {\n    updateDisplayName(displayName: $displayName) {\n      ...ViewerFields\n    }\n  }\n": typeof types.UpdateDisplayNameDocument,
    "\n  query Channels {\n    channels {\n      ...ChannelFields\n    }\n  }\n": typeof types.ChannelsDocument,
    "\n  query Channel($id: ID!) {\n    channel(id: $id) {\n      ...ChannelFields\n    }\n  }\n": typeof types.ChannelDocument,
    "\n  mutation CreateChannel($input: CreateChannelInput!) {\n    createChannel(input: $input) {\n      ...ChannelFields\n    }\n  }\n": typeof types.CreateChannelDocument,
    "\n  mutation JoinChannel($id: ID!, $password: String) {\n    joinChannel(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n": typeof types.JoinChannelDocument,
    "\n  mutation ChangeChannelPassword($id: ID!, $password: String!) {\n    changeChannelPassword(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n": typeof types.ChangeChannelPasswordDocument,
    "\n  mutation DeleteChannel($id: ID!) {\n    deleteChannel(channelId: $id)\n  }\n": typeof types.DeleteChannelDocument,
    "\n  mutation RemoveMember($channelId: ID!, $userId: ID!) {\n    removeMember(channelId: $channelId, userId: $userId)\n  }\n": typeof types.RemoveMemberDocument,
    "\n  mutation LeaveChannel($id: ID!) {\n    leaveChannel(channelId: $id)\n  }\n": typeof types.LeaveChannelDocument,
    "\n  query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n    messages(channelId: $id, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      lastRev\n    }\n  }\n": typeof types.MessagesDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  subscription MessageAdded($channelId: ID!, $afterSeq: Int) {\n    messageAdded(channelId: $channelId, afterSeq: $afterSeq) {\n      ...MessageFields\n    }\n  }\n": typeof types.MessageAddedDocument,
    "\n  mutation EditMessage($messageId: ID!, $body: String!) {\n    editMessage(messageId: $messageId, body: $body) {\n      ...MessageFields\n    }\n  }\n": typeof types.EditMessageDocument,
    "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n": typeof types.DeleteMessageDocument,
    "\n  subscription MessageChanged($channelId: ID!, $afterRev: Int) {\n    messageChanged(channelId: $channelId, afterRev: $afterRev) {\n      rev\n      type\n      message {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.MessageChangedDocument,
    "\n  mutation MarkRead($id: ID!, $seq: Int!) {\n    markRead(channelId: $id, seq: $seq) {\n      ...ChannelFields\n    }\n  }\n": typeof types.MarkReadDocument,
    "\n  query Members($id: ID!, $first: Int, $after: String) {\n    channel(id: $id) {\n      id\n      memberCount\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            displayName\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  subscription ViewerEvents {\n    viewerEvents {\n      kind\n      channel {\n        ...ChannelFields\n      }\n    }\n  }\n": typeof types.ViewerEventsDocument,
    "\n  mutation BanUser($userId: ID!, $reason: String!, $until: DateTime) {\n    banUser(userId: $userId, reason: $reason, until: $until) {\n      id\n      displayName\n    }\n  }\n": typeof types.BanUserDocument,
    "\n  mutation UnbanUser($userId: ID!) {\n    unbanUser(userId: $userId) {\n      id\n      displayName\n    }\n  }\n": typeof types.UnbanUserDocument,
    "\n  query ModerationLog($first: Int, $after: String) {\n    moderationLog(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          action\n          actor {\n            id\n            displayName\n          }\n          targetUser {\n            id\n            displayName\n          }\n          channelId\n          messageId\n          reason\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ModerationLogDocument,
    "\n  query AdminStats {\n    adminStats {\n      generatedAt\n      dailyActiveUsers {\n        day\n        count\n      }\n      messagesPerDay {\n        day\n        count\n      }\n      messagesPerHour {\n        hour\n        count\n      }\n      busiestChannels {\n        channelId\n        name\n        kind\n        messages\n      }\n      sockets\n      subscriptions\n      relayLagSeconds\n      passSales {\n        day\n        tier\n        passes\n        revenue\n        currency\n      }\n    }\n  }\n": typeof types.AdminStatsDocument,
    "\n  query SearchUsers($email: String!) {\n    searchUsers(email: $email) {\n      id\n      email\n      displayName\n      createdAt\n      banned\n      bannedUntil\n      banReason\n    }\n  }\n": typeof types.SearchUsersDocument,
    "\n  query RecentMessages($first: Int) {\n    recentMessages(first: $first) {\n      channelName\n      message {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.RecentMessagesDocument,
    "\n  query Plans {\n    plans {\n      id\n      tier\n      days\n      amount\n      currency\n    }\n  }\n": typeof types.PlansDocument,
    "\n  mutation StartCheckout($planId: ID!) {\n    startCheckout(planId: $planId) {\n      id\n      url\n    }\n  }\n": typeof types.StartCheckoutDocument,
    "\n  query MqttCredentials {\n    mqttCredentials {\n      url\n      wsUrl\n      username\n      password\n      clientId\n      expiresAt\n      topics\n    }\n  }\n": typeof types.MqttCredentialsDocument,
};
const documents: Documents = {
    "\n  fragment MessageFields on Message {\n    id\n    channelId\n    seq\n    kind\n    body\n    sender {\n      id\n      displayName\n    }\n    systemEvent\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    rev\n  }\n": types.MessageFieldsFragmentDoc,
    "\n  fragment ChannelFields on Channel {\n    id\n    name\n    kind\n    owner {\n      id\n      displayName\n    }\n    createdAt\n    canAccess\n    lastSeq\n    lastRev\n    topic\n    lastReadSeq\n    unreadCount\n    memberCount\n  }\n": types.ChannelFieldsFragmentDoc,
    "\n  fragment ViewerFields on Viewer {\n    id\n    email\n    displayName\n    tier\n    tierExpiresAt\n    isAdmin\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  mutation RequestLoginCode($email: String!) {\n    requestLoginCode(email: $email) {\n      email\n      expiresAt\n      resendAfter\n      delivery\n    }\n  }\n": types.RequestLoginCodeDocument,
    "\n  mutation VerifyLoginCode($email: String!, $code: String!) {\n    verifyLoginCode(email: $email, code: $code) {\n      token\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.VerifyLoginCodeDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  query Me {\n    me {\n      ...ViewerFields\n    }\n  }\n": types.MeDocument,
    "\n  mutation UpdateDisplayName($displayName: String!) {\n    updateDisplayName(displayName: $displayName) {\n      ...ViewerFields\n    }\n  }\n": types.UpdateDisplayNameDocument,
    "\n  query Channels {\n    channels {\n      ...ChannelFields\n    }\n  }\n": types.ChannelsDocument,
    "\n  query Channel($id: ID!) {\n    channel(id: $id) {\n      ...ChannelFields\n    }\n  }\n": types.ChannelDocument,
    "\n  mutation CreateChannel($input: CreateChannelInput!) {\n    createChannel(input: $input) {\n      ...ChannelFields\n    }\n  }\n": types.CreateChannelDocument,
    "\n  mutation JoinChannel($id: ID!, $password: String) {\n    joinChannel(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n": types.JoinChannelDocument,
    "\n  mutation ChangeChannelPassword($id: ID!, $password: String!) {\n    changeChannelPassword(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n": types.ChangeChannelPasswordDocument,
    "\n  mutation DeleteChannel($id: ID!) {\n    deleteChannel(channelId: $id)\n  }\n": types.DeleteChannelDocument,
    "\n  mutation RemoveMember($channelId: ID!, $userId: ID!) {\n    removeMember(channelId: $channelId, userId: $userId)\n  }\n": types.RemoveMemberDocument,
    "\n  mutation LeaveChannel($id: ID!) {\n    leaveChannel(channelId: $id)\n  }\n": types.LeaveChannelDocument,
    "\n  query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n    messages(channelId: $id, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      lastRev\n    }\n  }\n": types.MessagesDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n": types.SendMessageDocument,
    "\n  subscription MessageAdded($channelId: ID!, $afterSeq: Int) {\n    messageAdded(channelId: $channelId, afterSeq: $afterSeq) {\n      ...MessageFields\n    }\n  }\n": types.MessageAddedDocument,
    "\n  mutation EditMessage($messageId: ID!, $body: String!) {\n    editMessage(messageId: $messageId, body: $body) {\n      ...MessageFields\n    }\n  }\n": types.EditMessageDocument,
    "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n": types.DeleteMessageDocument,
    "\n  subscription MessageChanged($channelId: ID!, $afterRev: Int) {\n    messageChanged(channelId: $channelId, afterRev: $afterRev) {\n      rev\n      type\n      message {\n        ...MessageFields\n      }\n    }\n  }\n": types.MessageChangedDocument,
    "\n  mutation MarkRead($id: ID!, $seq: Int!) {\n    markRead(channelId: $id, seq: $seq) {\n      ...ChannelFields\n    }\n  }\n": types.MarkReadDocument,
    "\n  query Members($id: ID!, $first: Int, $after: String) {\n    channel(id: $id) {\n      id\n      memberCount\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            displayName\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  subscription ViewerEvents {\n    viewerEvents {\n      kind\n      channel {\n        ...ChannelFields\n      }\n    }\n  }\n": types.ViewerEventsDocument,
    "\n  mutation BanUser($userId: ID!, $reason: String!, $until: DateTime) {\n    banUser(userId: $userId, reason: $reason, until: $until) {\n      id\n      displayName\n    }\n  }\n": types.BanUserDocument,
    "\n  mutation UnbanUser($userId: ID!) {\n    unbanUser(userId: $userId) {\n      id\n      displayName\n    }\n  }\n": types.UnbanUserDocument,
    "\n  query ModerationLog($first: Int, $after: String) {\n    moderationLog(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          action\n          actor {\n            id\n            displayName\n          }\n          targetUser {\n            id\n            displayName\n          }\n          channelId\n          messageId\n          reason\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ModerationLogDocument,
    "\n  query AdminStats {\n    adminStats {\n      generatedAt\n      dailyActiveUsers {\n        day\n        count\n      }\n      messagesPerDay {\n        day\n        count\n      }\n      messagesPerHour {\n        hour\n        count\n      }\n      busiestChannels {\n        channelId\n        name\n        kind\n        messages\n      }\n      sockets\n      subscriptions\n      relayLagSeconds\n      passSales {\n        day\n        tier\n        passes\n        revenue\n        currency\n      }\n    }\n  }\n": types.AdminStatsDocument,
    "\n  query SearchUsers($email: String!) {\n    searchUsers(email: $email) {\n      id\n      email\n      displayName\n      createdAt\n      banned\n      bannedUntil\n      banReason\n    }\n  }\n": types.SearchUsersDocument,
    "\n  query RecentMessages($first: Int) {\n    recentMessages(first: $first) {\n      channelName\n      message {\n        ...MessageFields\n      }\n    }\n  }\n": types.RecentMessagesDocument,
    "\n  query Plans {\n    plans {\n      id\n      tier\n      days\n      amount\n      currency\n    }\n  }\n": types.PlansDocument,
    "\n  mutation StartCheckout($planId: ID!) {\n    startCheckout(planId: $planId) {\n      id\n      url\n    }\n  }\n": types.StartCheckoutDocument,
    "\n  query MqttCredentials {\n    mqttCredentials {\n      url\n      wsUrl\n      username\n      password\n      clientId\n      expiresAt\n      topics\n    }\n  }\n": types.MqttCredentialsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageFields on Message {\n    id\n    channelId\n    seq\n    kind\n    body\n    sender {\n      id\n      displayName\n    }\n    systemEvent\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    rev\n  }\n"): typeof import('./graphql').MessageFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChannelFields on Channel {\n    id\n    name\n    kind\n    owner {\n      id\n      displayName\n    }\n    createdAt\n    canAccess\n    lastSeq\n    lastRev\n    topic\n    lastReadSeq\n    unreadCount\n    memberCount\n  }\n"): typeof import('./graphql').ChannelFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    id\n    email\n    displayName\n    tier\n    tierExpiresAt\n    isAdmin\n  }\n"): typeof import('./graphql').ViewerFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestLoginCode($email: String!) {\n    requestLoginCode(email: $email) {\n      email\n      expiresAt\n      resendAfter\n      delivery\n    }\n  }\n"): typeof import('./graphql').RequestLoginCodeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyLoginCode($email: String!, $code: String!) {\n    verifyLoginCode(email: $email, code: $code) {\n      token\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): typeof import('./graphql').VerifyLoginCodeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): typeof import('./graphql').LogoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      ...ViewerFields\n    }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateDisplayName($displayName: String!) {\n    updateDisplayName(displayName: $displayName) {\n      ...ViewerFields\n    }\n  }\n"): typeof import('./graphql').UpdateDisplayNameDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Channels {\n    channels {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').ChannelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Channel($id: ID!) {\n    channel(id: $id) {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').ChannelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateChannel($input: CreateChannelInput!) {\n    createChannel(input: $input) {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').CreateChannelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation JoinChannel($id: ID!, $password: String) {\n    joinChannel(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').JoinChannelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeChannelPassword($id: ID!, $password: String!) {\n    changeChannelPassword(channelId: $id, password: $password) {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').ChangeChannelPasswordDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteChannel($id: ID!) {\n    deleteChannel(channelId: $id)\n  }\n"): typeof import('./graphql').DeleteChannelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($channelId: ID!, $userId: ID!) {\n    removeMember(channelId: $channelId, userId: $userId)\n  }\n"): typeof import('./graphql').RemoveMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaveChannel($id: ID!) {\n    leaveChannel(channelId: $id)\n  }\n"): typeof import('./graphql').LeaveChannelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n    messages(channelId: $id, first: $first, after: $after, last: $last, before: $before) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      lastRev\n    }\n  }\n"): typeof import('./graphql').MessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n"): typeof import('./graphql').SendMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageAdded($channelId: ID!, $afterSeq: Int) {\n    messageAdded(channelId: $channelId, afterSeq: $afterSeq) {\n      ...MessageFields\n    }\n  }\n"): typeof import('./graphql').MessageAddedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EditMessage($messageId: ID!, $body: String!) {\n    editMessage(messageId: $messageId, body: $body) {\n      ...MessageFields\n    }\n  }\n"): typeof import('./graphql').EditMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n"): typeof import('./graphql').DeleteMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageChanged($channelId: ID!, $afterRev: Int) {\n    messageChanged(channelId: $channelId, afterRev: $afterRev) {\n      rev\n      type\n      message {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').MessageChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($id: ID!, $seq: Int!) {\n    markRead(channelId: $id, seq: $seq) {\n      ...ChannelFields\n    }\n  }\n"): typeof import('./graphql').MarkReadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($id: ID!, $first: Int, $after: String) {\n    channel(id: $id) {\n      id\n      memberCount\n      members(first: $first, after: $after) {\n        edges {\n          cursor\n          node {\n            id\n            displayName\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MembersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ViewerEvents {\n    viewerEvents {\n      kind\n      channel {\n        ...ChannelFields\n      }\n    }\n  }\n"): typeof import('./graphql').ViewerEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BanUser($userId: ID!, $reason: String!, $until: DateTime) {\n    banUser(userId: $userId, reason: $reason, until: $until) {\n      id\n      displayName\n    }\n  }\n"): typeof import('./graphql').BanUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnbanUser($userId: ID!) {\n    unbanUser(userId: $userId) {\n      id\n      displayName\n    }\n  }\n"): typeof import('./graphql').UnbanUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModerationLog($first: Int, $after: String) {\n    moderationLog(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          id\n          action\n          actor {\n            id\n            displayName\n          }\n          targetUser {\n            id\n            displayName\n          }\n          channelId\n          messageId\n          reason\n          createdAt\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').ModerationLogDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminStats {\n    adminStats {\n      generatedAt\n      dailyActiveUsers {\n        day\n        count\n      }\n      messagesPerDay {\n        day\n        count\n      }\n      messagesPerHour {\n        hour\n        count\n      }\n      busiestChannels {\n        channelId\n        name\n        kind\n        messages\n      }\n      sockets\n      subscriptions\n      relayLagSeconds\n      passSales {\n        day\n        tier\n        passes\n        revenue\n        currency\n      }\n    }\n  }\n"): typeof import('./graphql').AdminStatsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchUsers($email: String!) {\n    searchUsers(email: $email) {\n      id\n      email\n      displayName\n      createdAt\n      banned\n      bannedUntil\n      banReason\n    }\n  }\n"): typeof import('./graphql').SearchUsersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentMessages($first: Int) {\n    recentMessages(first: $first) {\n      channelName\n      message {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').RecentMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Plans {\n    plans {\n      id\n      tier\n      days\n      amount\n      currency\n    }\n  }\n"): typeof import('./graphql').PlansDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartCheckout($planId: ID!) {\n    startCheckout(planId: $planId) {\n      id\n      url\n    }\n  }\n"): typeof import('./graphql').StartCheckoutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MqttCredentials {\n    mqttCredentials {\n      url\n      wsUrl\n      username\n      password\n      clientId\n      expiresAt\n      topics\n    }\n  }\n"): typeof import('./graphql').MqttCredentialsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
