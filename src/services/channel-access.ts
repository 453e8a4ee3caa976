import type { EntityManager, FindOneOptions } from '@mikro-orm/core';
import { Channel, ChannelKind, Membership } from '../entities';
import { forbidden, notFound } from '../errors';

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

/** Every channel id is a lowercase UUID: random for created channels, derived from the name for DEFAULT ones. */
const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether a string can be a channel's id. Any other string names no channel and is answered NOT_FOUND without
 * reaching the database: the embedded store cannot even parse a query holding a NUL, and the same id then finds
 * the same channel on both stores (MySQL compares ids case-insensitively, SQLite does not).
 */
export const isChannelId = (id: string) => CHANNEL_ID.test(id);

/** Loads a channel by id; null when there is none, or when the id cannot be a channel's. */
export async function findChannel<Hint extends string = never, Fields extends string = '*'>(
  em: EntityManager,
  id: string,
  options?: FindOneOptions<Channel, Hint, Fields>,
) {
  return isChannelId(id) ? em.findOne(Channel, { id }, options) : null;
}

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
  const channel = await findChannel(em, channelId);
  if (!channel || hiddenFrom(channel, userId)) throw notFound();
  if (channel.kind === ChannelKind.PASSWORD && !(await isMember(em, channel.id, userId))) throw forbidden();
  return channel;
}
