import { badInput } from '../errors';

// The cursors of Relay-style pages: opaque to clients and bound to one channel, so a cursor from another channel is
// refused rather than read as a position in this one.

/** History cursors: inside, `v1:<channelId>:<seq>` in base64url. */
export function encodeCursor(channelId: string, seq: number): string {
  return Buffer.from(`v1:${channelId}:${seq}`).toString('base64url');
}

/**
 * @throws DomainError BAD_USER_INPUT (with `field`) for a cursor that is malformed (a seq below 1 included: no
 * message has one) or belongs to another channel.
 */
export function decodeCursor(field: string, cursor: string, channelId: string): number {
  const match = /^v1:([^:]+):([1-9]\d{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== channelId || Buffer.from(match[0]).toString('base64url') !== cursor) {
    throw badInput(field, `The ${field} cursor is not a cursor of this channel's history.`);
  }
  return Number(match[2]);
}

/** Member cursors: inside, `m1:<channelId>:<joinedAt ms>:<userId>` in base64url. */
export function encodeMemberCursor(channelId: string, joinedAt: Date, userId: string): string {
  return Buffer.from(`m1:${channelId}:${joinedAt.getTime()}:${userId}`).toString('base64url');
}

/** @throws DomainError BAD_USER_INPUT (with `field`) for a cursor that is malformed or of another channel's members. */
export function decodeMemberCursor(
  field: string,
  cursor: string,
  channelId: string,
): { joinedAt: Date; userId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^m1:([^:]+):(\d{1,15}):([0-9a-f-]{36})$/.exec(text);
  if (!match || match[1] !== channelId || Buffer.from(text).toString('base64url') !== cursor) {
    throw badInput(field, `The ${field} cursor is not a cursor of this channel's members.`);
  }
  return { joinedAt: new Date(Number(match[2])), userId: match[3] };
}

/** Moderation log cursors: inside, `l1:<createdAt ms>:<actionId>` in base64url (the log pages newest first). */
export function encodeLogCursor(createdAt: Date, id: string): string {
  return Buffer.from(`l1:${createdAt.getTime()}:${id}`).toString('base64url');
}

/** @throws DomainError BAD_USER_INPUT (with `field`) for a cursor that is not one of the moderation log. */
export function decodeLogCursor(field: string, cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^l1:(\d{1,15}):([0-9a-f-]{36})$/.exec(text);
  if (!match || Buffer.from(text).toString('base64url') !== cursor) {
    throw badInput(field, `The ${field} cursor is not a cursor of the moderation log.`);
  }
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
