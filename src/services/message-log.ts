import { LockMode, type EntityManager } from '@mikro-orm/core';
import { Message, MessageKind, type SystemEvent } from '../entities';
import { notFound } from '../errors';
import { findChannel } from './channel-access';

/**
 * Appends a SYSTEM message to a channel inside the caller's transaction: locks the channel row, takes the next seq
 * and inserts the message unpublished. The lock is held to the commit, so SYSTEM and USER messages (GroupCommit)
 * share one gap-free sequence; a rollback gives the seq back.
 *
 * @throws DomainError NOT_FOUND when the channel does not exist.
 */
export async function appendSystemMessage(
  em: EntityManager,
  channelId: string,
  systemEvent: SystemEvent,
  body: string,
  now: Date,
): Promise<Message> {
  const channel = await findChannel(em, channelId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!channel) throw notFound();
  channel.lastSeq += 1;
  const stored = em.create(Message, {
    channel,
    seq: channel.lastSeq,
    kind: MessageKind.SYSTEM,
    body,
    sender: null,
    systemEvent,
    clientMessageId: null,
    createdAt: now,
    publishedAt: null,
  });
  await em.flush();
  return stored;
}
