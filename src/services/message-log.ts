import { LockMode, type EntityManager } from '@mikro-orm/core';
import { Channel, Message, MessageKind, type SystemEvent, type User } from '../entities';
import { notFound } from './channel-access';

export type NewMessage =
  | { kind: MessageKind.USER; body: string; sender: User; clientMessageId: string }
  | { kind: MessageKind.SYSTEM; body: string; systemEvent: SystemEvent };

/**
 * Appends a message to a channel inside the caller's transaction: locks the channel row, takes the next seq and
 * inserts the message unpublished. The lock is held to the commit, so seqs are 1, 2, 3… per channel with no gap
 * and no repeat across concurrent senders and server instances; a rollback gives the seq back. `authorize` runs
 * with the locked channel and may throw to refuse.
 *
 * @throws DomainError NOT_FOUND when the channel does not exist.
 */
export async function appendMessage(
  em: EntityManager,
  channelId: string,
  message: NewMessage,
  now: Date,
  authorize?: (channel: Channel) => Promise<void>,
): Promise<Message> {
  const channel = await em.findOne(Channel, { id: channelId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!channel) throw notFound();
  // Checked under the lock, so a concurrent leave cannot slip between the check and the insert.
  await authorize?.(channel);
  channel.lastSeq += 1;
  const stored = em.create(Message, {
    channel,
    seq: channel.lastSeq,
    kind: message.kind,
    body: message.body,
    sender: message.kind === MessageKind.USER ? message.sender : null,
    systemEvent: message.kind === MessageKind.SYSTEM ? message.systemEvent : null,
    clientMessageId: message.kind === MessageKind.USER ? message.clientMessageId : null,
    createdAt: now,
    publishedAt: null,
  });
  await em.flush();
  return stored;
}
