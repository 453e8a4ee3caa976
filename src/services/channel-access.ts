import type { EntityManager } from '@mikro-orm/core';
import { Channel, ChannelKind, Membership } from '../entities';
import { DomainError, ErrorCode } from '../errors';

/**
 * Who may read, post and subscribe in a channel: everyone signed in for DEFAULT, the owner for PRIVATE, members
 * for PASSWORD (the owner is one from the start).
 */
export function canAccess(channel: Channel, userId: string, isMember: boolean): boolean {
  switch (channel.kind) {
    case ChannelKind.DEFAULT:
      return true;
    case ChannelKind.PRIVATE:
      return channel.owner?.id === userId;
    case ChannelKind.PASSWORD:
      return isMember;
  }
}

/** Whether another user's PRIVATE channel: such a channel must not be known to exist. */
export const hiddenFrom = (channel: Channel, userId: string) =>
  channel.kind === ChannelKind.PRIVATE && channel.owner?.id !== userId;

export const notFound = () => new DomainError(ErrorCode.NOT_FOUND, 'No such channel.');
export const forbidden = () =>
  new DomainError(ErrorCode.FORBIDDEN, 'Join this channel with its password to read and post here.');

export async function isMember(em: EntityManager, channelId: string, userId: string): Promise<boolean> {
  return (await em.count(Membership, { channel: channelId, user: userId })) > 0;
}

/**
 * Loads a channel the viewer may read and post in.
 *
 * @throws DomainError NOT_FOUND for an unknown id or another user's PRIVATE channel; FORBIDDEN for a PASSWORD
 * channel the viewer has not joined.
 */
export async function accessibleChannel(em: EntityManager, channelId: string, userId: string): Promise<Channel> {
  const channel = await em.findOne(Channel, { id: channelId });
  if (!channel || hiddenFrom(channel, userId)) throw notFound();
  if (channel.kind === ChannelKind.PASSWORD && !(await isMember(em, channel.id, userId))) throw forbidden();
  return channel;
}
