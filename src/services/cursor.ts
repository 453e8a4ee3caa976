import { badInput } from '../errors';

/**
 * History cursors: opaque to clients, and bound to one channel so a cursor from another channel is refused.
 * Inside, `v1:<channelId>:<seq>` in base64url.
 */
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
