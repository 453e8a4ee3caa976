/**
 * The chat server's client library for frontends: depends on graphql-ws (and graphql's types) only, runs in
 * browsers and in Node (pass `webSocketImpl` from `ws` on Node 20). Node-only pieces are in `./node`.
 */
export {
  ChatClient,
  type ChatClientOptions,
  type Channel,
  type ConnectionState,
  type HistoryPage,
} from './chat-client';
export type { Message, Viewer } from './chat-client';
export { ChannelView, type ChannelViewOptions } from './channel-view';
export { DELETED_TEXT, displayRows, type DisplayRow, type MessageRow, type SystemRow } from './display';
export { ChatError, type ChatErrorCode } from './errors';
export {
  MemoryQueueStorage,
  newClientMessageId,
  SendQueue,
  type OutgoingMessage,
  type QueueStorage,
  type SendQueueOptions,
  type SendState,
  type SendTransport,
} from './send-queue';
export {
  DEFAULT_MESSAGE_STORE_LIMITS,
  MemoryMessageStore,
  type CachedChannel,
  type CachedMessage,
  type MessageStore,
  type MessageStoreLimits,
} from './message-store';
export * as operations from './operations';
export type * from './generated/graphql';
