import type { EntityManager, FindOneOptions } from '@mikro-orm/core';
import { Channel, ChannelKind, Membership } from '../entities';
import { forbidden, notFound, type DomainError } from '../errors';

/** What the access rule reads of a channel (an entity or a row of the send path). */
export interface ChannelAccessFacts {
  kind: ChannelKind;
  ownerId: string | null;
}

/**
 * The access rule, and its one home. Who may read, post and subscribe in a channel: everyone signed in for DEFAULT,
 * the owner for PRIVATE, members for PASSWORD (the owner is one from the start). Returns why not, or undefined:
 * NOT_FOUND for another user's PRIVATE channel (it must not be known to exist), FORBIDDEN for a PASSWORD channel
 * not joined.
 */
export function accessRefusal(channel: ChannelAccessFacts, userId: string, isMember: boolean): DomainError | undefined {
  switch (channel.kind) {
    case ChannelKind.DEFAULT:
      return undefined;
    case ChannelKind.PRIVATE:
      return channel.ownerId === userId ? undefined : notFound();
    case ChannelKind.PASSWORD:
      return isMember ? undefined : forbidden();
  }
}

const factsOf = (channel: Channel): ChannelAccessFacts => ({ kind: channel.kind, ownerId: channel.owner?.id ?? null });

/** Whether the user may read, post and subscribe in the channel (see accessRefusal). */
export const canAccess = (channel: Channel, userId: string, isMember: boolean): boolean =>
  accessRefusal(factsOf(channel), userId, isMember) === undefined;

/** Whether another user's PRIVATE channel: such a channel must not be known to exist. */
export const hiddenFrom = (channel: Channel, userId: string) =>
  channel.kind === ChannelKind.PRIVATE && accessRefusal(factsOf(channel), userId, false) !== undefined;

/** Every channel id is a lowercase UUID: random for created channels, derived from the name for DEFAULT ones. */
const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether a string can be a channel's id. Any other string names no channel and is answered NOT_FOUND without
 * reaching the database: the embedded store cannot even parse a query holding a NUL, and the same id then finds
 * the same channel on both stores (MySQL compares ids case-insensitively, SQLite does not).
 */
export const isChannelId = (id: string) => CHANNEL_ID.test(id);

/** Every message id is a random lowercase UUID too, and any other string is answered NOT_FOUND the same way. */
export const isMessageId = isChannelId;

/** And every user id: any other string names no user. */
export const isUserId = isChannelId;

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
  if (!channel) throw notFound();
  const member = channel.kind === ChannelKind.PASSWORD && (await isMember(em, channel.id, userId));
  const refusal = accessRefusal(factsOf(channel), userId, member);
  if (refusal) throw refusal;
  return channel;
}
