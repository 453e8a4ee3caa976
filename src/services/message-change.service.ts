import { LockMode, type MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Channel, ChannelKind, Message, MessageChange, MessageKind, ModerationActionKind } from '../entities';
import { badInput, DomainError, ErrorCode, notFound } from '../errors';
import type { Viewer } from './auth.service';
import { accessibleChannel, accessRefusal, findChannel, isMember, isMessageId } from './channel-access';
import type { Clock } from './clock';
import { MESSAGE_RULES } from './message.service';
import { lockUsers, type ModerationService } from './moderation.service';
import { refuseWhenFull } from './rate-window';
import { lockingTransaction } from './transaction';
import { messageBodySchema, parseField } from './validation';
import { changeView, messageView, type ChangeView, type MessageChanged, type MessageView } from './views';

/** The contract's limit on edits and deletions: 30 changes by one user in any 10 s, like sends. */
export const CHANGE_RULES = { changesPerWindow: 30, windowMs: 10_000 } as const;

/**
 * Edits and deletions of messages, and the channel's change stream they make.
 *
 * A change keeps the message's id and seq. It takes the channel's next change position (`rev`, gap-free like seq)
 * under the channel row's lock, and writes the message, a MessageChange row and the channel's `last_rev` in one
 * transaction; once that has committed (never before) the change is handed to `onChanged`, which publishes it.
 */
export class MessageChangeService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly onChanged: MessageChanged,
    private readonly moderation: Pick<ModerationService, 'isAdmin' | 'record'>,
  ) {}

  /**
   * Replaces the body of one of the viewer's messages; the same body again changes nothing.
   *
   * @throws DomainError BAD_USER_INPUT for a body that could not be sent, or a deleted message; NOT_FOUND for an
   * unknown message or one in a channel the viewer cannot see; FORBIDDEN for a message of someone else (SYSTEM
   * messages included) or in a PASSWORD channel the viewer has left; RATE_LIMITED past 30 changes in 10 s. Nothing
   * changes then.
   */
  edit(viewer: Viewer, messageId: string, body: string): Promise<MessageView> {
    const text = parseField('body', messageBodySchema, body);
    return this.change(viewer, messageId, 'sender', (message, now) => {
      if (message.deletedAt) throw badInput('messageId', 'A deleted message cannot be edited.');
      if (message.body === text) return false;
      message.body = text;
      message.editedAt = now;
      return true;
    });
  }

  /**
   * Deletes a message: it keeps its id and seq, its body becomes empty for good and `deletedAt` is set. Its sender
   * may delete it, and so may moderators: an admin any message, the owner of a PRIVATE or PASSWORD channel those in
   * it (recorded in the moderation log). Deleting it again changes nothing.
   *
   * @throws DomainError as for {@link edit} (FORBIDDEN to anyone else), except that a deleted message is answered as
   * it is.
   */
  delete(viewer: Viewer, messageId: string): Promise<MessageView> {
    return this.change(viewer, messageId, 'sender or moderator', (message, now) => {
      if (message.deletedAt) return false;
      message.body = '';
      message.deletedAt = now;
      return true;
    });
  }

  /**
   * The changes with `after < rev <= upTo`, in rev order, at most `limit`, each with its message as it is now (no
   * access check).
   */
  async between(
    channelId: string,
    after: number,
    upTo: number,
    limit: number = MESSAGE_RULES.maxReplay,
  ): Promise<ChangeView[]> {
    if (upTo <= after) return [];
    const rows = await this.orm.em
      .fork()
      .find(
        MessageChange,
        { channel: channelId, rev: { $gt: after, $lte: upTo } },
        { populate: ['message', 'message.sender'], orderBy: { rev: 'asc' }, limit },
      );
    return rows.map((row) => changeView(row.rev, messageView(row.message)));
  }

  /** The newest change position of a channel, 0 when it has none or does not exist. */
  async lastRev(channelId: string): Promise<number> {
    const channel = await findChannel(this.orm.em.fork(), channelId, { fields: ['lastRev'] });
    return channel?.lastRev ?? 0;
  }

  /**
   * The newest change position of a channel the viewer may read (for subscriptions).
   *
   * @throws DomainError NOT_FOUND / FORBIDDEN as for history.
   */
  async readableLastRev(viewer: Viewer, channelId: string): Promise<number> {
    return (await accessibleChannel(this.orm.em.fork(), channelId, viewer.user.id)).lastRev;
  }

  /**
   * The transaction of one change. It locks the message's row first (a relay sweep may hold it while the broker
   * acknowledges a republication: only this change waits then, not the channel's sends), then the channel's row (as
   * sends do, so changes of one channel take their revs one after another), then the viewer's row (which makes the
   * change rate exact across instances, as for sends: channels before users); checks access, ownership and the rate,
   * applies `apply` and, when it changed something, writes the change at the channel's next rev.
   */
  private async change(
    viewer: Viewer,
    messageId: string,
    who: 'sender' | 'sender or moderator',
    apply: (message: Message, now: Date) => boolean,
  ): Promise<MessageView> {
    if (!isMessageId(messageId)) throw notFound('message');
    const userId = viewer.user.id;
    const outcome = await lockingTransaction(this.orm, async (em) => {
      const message = await em.findOne(Message, messageId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!message) throw notFound('message');
      const channel = await em.findOneOrFail(Channel, message.channel.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // The viewer's row (the rate), and for a deletion the sender's too, in id order (see lockUsers).
      const senderId = message.sender?.id;
      await lockUsers(em, who === 'sender or moderator' && senderId ? [userId, senderId] : [userId]);
      // Read once the locks are held, so that revs and change times agree.
      const now = this.clock();
      const admin = who === 'sender or moderator' && this.moderation.isAdmin(viewer);
      const refusal =
        !admin &&
        accessRefusal(
          { kind: channel.kind, ownerId: channel.owner?.id ?? null },
          userId,
          await isMember(em, channel.id, userId),
        );
      if (refusal) throw refusal.code === ErrorCode.NOT_FOUND ? notFound('message') : refusal;
      const sender = message.kind === MessageKind.USER && message.sender?.id === userId;
      const owner = channel.kind !== ChannelKind.DEFAULT && channel.owner?.id === userId;
      const moderating = !sender && who === 'sender or moderator' && (admin || owner);
      if (!sender && !moderating) {
        throw new DomainError(
          ErrorCode.FORBIDDEN,
          who === 'sender'
            ? 'Only its sender may edit a message.'
            : "Only its sender, the channel's owner or an admin may delete a message.",
        );
      }
      await this.checkRate(em, userId, now);
      await em.populate(message, ['sender']);
      if (!apply(message, now)) return { view: messageView(message) };

      const rev = channel.lastRev + 1;
      channel.lastRev = rev;
      message.rev = rev;
      em.create(MessageChange, { channel, rev, message, actor: userId, createdAt: now });
      if (moderating) {
        this.moderation.record(
          em,
          userId,
          {
            action: ModerationActionKind.DELETE_MESSAGE,
            targetUserId: message.sender?.id ?? null,
            channelId: channel.id,
            messageId: message.id,
          },
          now,
        );
      }
      await em.flush();
      return { view: messageView(message), change: changeView(rev, messageView(message)) };
    });
    if (outcome.change) this.onChanged(outcome.change);
    return outcome.view;
  }

  /** At most `changesPerWindow` changes by one user in any `windowMs` (their row is locked: the count is exact). */
  private async checkRate(em: SqlEntityManager, userId: string, now: Date): Promise<void> {
    const { changesPerWindow, windowMs } = CHANGE_RULES;
    const recent = await em.find(
      MessageChange,
      { actor: userId, createdAt: { $gt: new Date(now.getTime() - windowMs) } },
      { fields: ['createdAt'], orderBy: { createdAt: 'desc' }, limit: changesPerWindow },
    );
    refuseWhenFull(
      recent.map((change) => change.createdAt),
      { limit: changesPerWindow, windowMs },
      now,
      'You are changing messages too fast; wait a moment.',
    );
  }
}
