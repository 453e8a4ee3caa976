import type { Message, Viewer } from './chat-client';
import type { OutgoingMessage, SendState } from './send-queue';

/** A message row: consecutive rows of one sender form a group, and only the first shows the sender's name. */
export interface MessageRow {
  type: 'message';
  /** Stable across the move from outgoing to stored: the clientMessageId for the viewer's own messages. */
  key: string;
  senderId: string;
  senderName: string;
  /** The text to show: the message's body, or {@link DELETED_TEXT} once it is deleted. */
  body: string;
  /** Whether its sender edited it (show "edited"). */
  edited: boolean;
  /** Whether it was deleted (its body is gone; show {@link DELETED_TEXT} in a muted style). */
  deleted: boolean;
  /** ISO time: the server's for stored messages, the queue's for outgoing ones. */
  createdAt: string;
  /** Whether this row starts a group (show the sender's name here and only here). */
  showSender: boolean;
  /** Whether this row ends its group (room for spacing or a timestamp). */
  lastInGroup: boolean;
  /** Whether the viewer wrote it. */
  own: boolean;
  /** `sent` for stored messages; the queue's state for outgoing ones. */
  state: SendState;
  message?: Message;
  outgoing?: OutgoingMessage;
}

/** A SYSTEM message (channel created, member joined or left): its own kind of row, never part of a group. */
export interface SystemRow {
  type: 'system';
  key: string;
  message: Message;
}

export type DisplayRow = MessageRow | SystemRow;

/** What a deleted message shows in place of its body. */
export const DELETED_TEXT = 'message deleted';

/**
 * The seed design's display rules as a pure function: stored messages (ordered by seq) followed by the viewer's
 * outgoing ones that the server has not stored yet (in queue order), grouped by consecutive sender. No avatars.
 * An outgoing entry whose clientMessageId is already among the stored messages of the viewer is shown once, as
 * stored.
 */
export function displayRows(
  messages: readonly Message[],
  outgoing: readonly OutgoingMessage[] = [],
  viewer?: Pick<Viewer, 'id' | 'displayName'> | null,
): DisplayRow[] {
  const storedIds = new Set(messages.filter((m) => viewer && m.sender?.id === viewer.id).map((m) => m.clientMessageId));
  const rows: DisplayRow[] = messages.map((message) =>
    message.kind === 'SYSTEM' || !message.sender
      ? { type: 'system', key: message.id, message }
      : {
          type: 'message',
          key: message.sender.id === viewer?.id && message.clientMessageId ? message.clientMessageId : message.id,
          senderId: message.sender.id,
          senderName: message.sender.displayName,
          body: message.deletedAt ? DELETED_TEXT : message.body,
          edited: message.editedAt != null && !message.deletedAt,
          deleted: message.deletedAt != null,
          createdAt: message.createdAt,
          showSender: true,
          lastInGroup: true,
          own: message.sender.id === viewer?.id,
          state: 'sent',
          message,
        },
  );
  if (viewer) {
    for (const entry of outgoing) {
      if (storedIds.has(entry.clientMessageId)) continue;
      rows.push({
        type: 'message',
        key: entry.clientMessageId,
        senderId: viewer.id,
        senderName: viewer.displayName,
        body: entry.body,
        edited: false,
        deleted: false,
        createdAt: new Date(entry.queuedAt).toISOString(),
        showSender: true,
        lastInGroup: true,
        own: true,
        state: entry.state,
        outgoing: entry,
      });
    }
  }
  for (let i = 1; i < rows.length; i++) {
    const previous = rows[i - 1];
    const row = rows[i];
    if (row.type === 'message' && previous.type === 'message' && previous.senderId === row.senderId) {
      row.showSender = false;
      previous.lastInGroup = false;
    }
  }
  return rows;
}
