import { MessageKind, type Channel, type ChannelKind, type Message, type SystemEvent } from '../entities';

/** Another user, as everyone may see them. */
export interface UserView {
  id: string;
  displayName: string;
}

/** A channel as one viewer sees it: what they may do there is part of the view. */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  owner: UserView | null;
  createdAt: Date;
  canAccess: boolean;
  /** The newest seq, or 0 when the viewer cannot access the channel. */
  lastSeq: number;
  /** The newest change position (edits and deletions), or 0 when the viewer cannot access the channel. */
  lastRev: number;
}

/** A stored message: the GraphQL `Message` and the `message` of the MQTT payload. */
export interface MessageView {
  id: string;
  channelId: string;
  seq: number;
  kind: MessageKind;
  body: string;
  sender: UserView | null;
  systemEvent: SystemEvent | null;
  clientMessageId: string | null;
  createdAt: Date;
  /** When the sender last edited it; null until then. */
  editedAt: Date | null;
  /** When it was deleted (its body is empty from then on); null until then. */
  deletedAt: Date | null;
  /** The channel's change position of its newest edit or deletion; 0 while it has none. */
  rev: number;
}

/** What a change did to a message. */
export enum ChangeType {
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}

/**
 * One edit or deletion at the channel's change position `rev`, with the message as it is now: `message.rev` is
 * `rev` when the change is new, and higher when it is read again after a later change (which it then shows).
 */
export interface ChangeView {
  rev: number;
  type: ChangeType;
  message: MessageView;
}

/** Where a Relay-style page lies among the others. */
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A page of history, Relay-style, in ascending seq order. */
export interface MessagePage {
  edges: { cursor: string; node: MessageView }[];
  pageInfo: PageInfo;
  /** The channel's newest change position, read before the page: changes after it are not in the page. */
  lastRev: number;
}

/**
 * Told of each message once the transaction that stored it has committed: the relay publishes it, and this
 * instance's subscribers get it at once. Called after the commit and never before, so a message that fails to store
 * is published nowhere. Must not throw.
 */
export type MessageStored = (message: MessageView) => void;

/** Told of each change once its transaction has committed, like {@link MessageStored}. Must not throw. */
export type MessageChanged = (change: ChangeView) => void;

export const userView = (user: { id: string; displayName: string }): UserView => ({
  id: user.id,
  displayName: user.displayName,
});

/** Needs `message.sender` loaded (or null). */
export const messageView = (message: Message): MessageView => ({
  id: message.id,
  channelId: message.channel.id,
  seq: message.seq,
  kind: message.kind,
  body: message.body,
  sender: message.sender ? userView(message.sender) : null,
  systemEvent: message.systemEvent,
  clientMessageId: message.clientMessageId,
  createdAt: message.createdAt,
  editedAt: message.editedAt,
  deletedAt: message.deletedAt,
  rev: message.rev,
});

/** A change as it reads now: its type follows the message's state (a deleted message reads as deleted). */
export const changeView = (rev: number, message: MessageView): ChangeView => ({
  rev,
  type: message.deletedAt ? ChangeType.DELETED : ChangeType.UPDATED,
  message,
});

/** A USER message from its stored fields (the send path reads and writes rows, not entities). */
export const userMessageView = (
  message: Pick<MessageView, 'id' | 'channelId' | 'seq' | 'body' | 'createdAt'> &
    Partial<Pick<MessageView, 'editedAt' | 'deletedAt' | 'rev'>> & {
      sender: UserView;
      clientMessageId: string;
    },
): MessageView => ({
  editedAt: null,
  deletedAt: null,
  rev: 0,
  ...message,
  kind: MessageKind.USER,
  systemEvent: null,
});

/** Needs `channel.owner` loaded (or null). */
export const channelView = (channel: Channel, canAccess: boolean): ChannelView => ({
  id: channel.id,
  name: channel.name,
  kind: channel.kind,
  owner: channel.owner ? userView(channel.owner) : null,
  createdAt: channel.createdAt,
  canAccess,
  lastSeq: canAccess ? channel.lastSeq : 0,
  lastRev: canAccess ? channel.lastRev : 0,
});
