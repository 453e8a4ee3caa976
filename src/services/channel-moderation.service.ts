import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/core';
import {
  Channel,
  ChannelKind,
  ChannelPasswordFailure,
  ChannelRemoval,
  Membership,
  Message,
  MessageChange,
  ModerationAction,
  ModerationActionKind,
  ReadPosition,
} from '../entities';
import { badInput, DomainError, ErrorCode, notFound } from '../errors';
import type { Viewer } from './auth.service';
import { findChannel, hiddenFrom, isUserId } from './channel-access';
import type { ChannelPasswords } from './channel-passwords';
import type { ChannelService } from './channel.service';
import type { Clock } from './clock';
import { lockUsers, type ModerationService } from './moderation.service';
import { refuseWhenFull } from './rate-window';
import { lockingTransaction } from './transaction';
import { channelPasswordSchema, parseField } from './validation';
import type { ChannelView } from './views';

/** How often one user may change channel passwords: each change hashes with argon2 and writes the log. */
export const PASSWORD_CHANGE_RULES = { changesPerWindow: 10, windowMs: 60 * 60_000 } as const;

/** Who follows a deletion: the users who could read the channel, and whatever follows the channel itself. */
export interface ChannelDeletionListeners {
  /** Told of each user who could read a deleted channel (their broker access changes), after the commit. */
  accessChanged(userId: string): void;
  /** Told of each deleted channel, after the commit: its subscriptions end, on every instance. */
  channelDeleted(channelId: string): void;
}

/**
 * What a channel's owner (and any admin) may do to the channel, each recorded in the moderation log: remove a
 * PASSWORD channel's members and change its password, and delete a PRIVATE or PASSWORD channel.
 */
export class ChannelModerationService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly passwords: ChannelPasswords,
    private readonly moderation: Pick<ModerationService, 'isAdmin' | 'record'>,
    private readonly channels: Pick<ChannelService, 'get' | 'remove'>,
    private readonly listeners: ChannelDeletionListeners = {
      accessChanged: () => undefined,
      channelDeleted: () => undefined,
    },
  ) {}

  /**
   * Deletes a PRIVATE or PASSWORD channel with everything in it (messages, their changes, memberships, read
   * positions) in one transaction. Its live subscriptions end with NOT_FOUND on every instance, its members' broker
   * access loses it, and the moderation log keeps its id.
   *
   * @throws DomainError BAD_USER_INPUT for a DEFAULT channel; NOT_FOUND for an unknown channel or another user's
   * PRIVATE one; FORBIDDEN to anyone but its owner and admins. Nothing changes then.
   */
  async deleteChannel(viewer: Viewer, channelId: string): Promise<boolean> {
    const userId = viewer.user.id;
    const channel = await this.owned(viewer, channelId, 'delete it', (kind) =>
      kind === ChannelKind.DEFAULT ? 'DEFAULT channels are defined by the server and cannot be deleted.' : undefined,
    );
    const readers = await lockingTransaction(this.orm, async (em) => {
      const locked = await em.findOne(Channel, channel.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!locked) throw notFound();
      const members = await em.find(Membership, { channel: channel.id }, { fields: ['user'] });
      // Each table by name, children first: nothing is left to the cascades the two stores declare differently.
      await em.nativeDelete(MessageChange, { channel: channel.id });
      await em.nativeDelete(Message, { channel: channel.id });
      await em.nativeDelete(Membership, { channel: channel.id });
      await em.nativeDelete(ChannelRemoval, { channel: channel.id });
      await em.nativeDelete(ReadPosition, { channel: channel.id });
      await em.nativeDelete(ChannelPasswordFailure, { channelId: channel.id });
      await em.nativeDelete(Channel, { id: channel.id });
      this.moderation.record(
        em,
        userId,
        { action: ModerationActionKind.DELETE_CHANNEL, channelId: channel.id },
        this.clock(),
      );
      return [...new Set([...members.map((m) => m.user.id), ...(channel.owner ? [channel.owner.id] : [])])];
    });
    for (const reader of readers) this.listeners.accessChanged(reader);
    this.listeners.channelDeleted(channel.id);
    return true;
  }

  /**
   * Removes a member from a PASSWORD channel: a MEMBER_REMOVED message is stored, their live subscriptions to it end
   * FORBIDDEN on every instance, their broker access loses it, and they cannot join again until the password
   * changes. Resolves whether they were a member: one who left before (or never joined) is kept out all the same,
   * so leaving first does not escape a removal.
   *
   * @throws DomainError BAD_USER_INPUT for a channel that is not a PASSWORD channel, or for its owner; NOT_FOUND for
   * an unknown channel (or one hidden from the viewer) or user; FORBIDDEN to anyone but its owner and admins.
   */
  async removeMember(viewer: Viewer, channelId: string, userId: string): Promise<boolean> {
    const channel = await this.owned(viewer, channelId, 'remove its members', (kind) =>
      kind === ChannelKind.PASSWORD ? undefined : 'Only a PASSWORD channel has members to remove.',
    );
    if (!isUserId(userId)) throw notFound('user');
    if (channel.owner?.id === userId) throw badInput('userId', "A channel's owner cannot be removed from it.");
    return this.channels.remove(channel.id, userId, (em, now) =>
      this.moderation.record(
        em,
        viewer.user.id,
        { action: ModerationActionKind.REMOVE_MEMBER, channelId: channel.id, targetUserId: userId },
        now,
      ),
    );
  }

  /**
   * The channel, when the viewer owns it or is an admin and `refusal` has nothing against its kind.
   *
   * @throws DomainError NOT_FOUND for an unknown channel or another user's PRIVATE one (admins see every channel);
   * BAD_USER_INPUT with what `refusal` says of its kind; FORBIDDEN to anyone but its owner and admins.
   */
  private async owned(
    viewer: Viewer,
    channelId: string,
    what: string,
    refusal: (kind: ChannelKind) => string | undefined,
  ): Promise<Channel> {
    const userId = viewer.user.id;
    const admin = this.moderation.isAdmin(viewer);
    const channel = await findChannel(this.orm.em.fork(), channelId);
    if (!channel || (!admin && hiddenFrom(channel, userId))) throw notFound();
    const wrongKind = refusal(channel.kind);
    if (wrongKind) throw badInput('channelId', wrongKind);
    if (!admin && channel.owner?.id !== userId) {
      throw new DomainError(ErrorCode.FORBIDDEN, `Only the channel's owner or an admin may ${what}.`);
    }
    return channel;
  }

  /**
   * Replaces a PASSWORD channel's password. Its members stay; whoever joins from now on needs the new one.
   *
   * @throws DomainError BAD_USER_INPUT for a password that could not be a channel's, or a channel that is not a
   * PASSWORD channel; NOT_FOUND for an unknown channel or another user's PRIVATE one; FORBIDDEN to anyone but its
   * owner and admins; RATE_LIMITED past 10 password changes by the viewer in an hour. Nothing changes then.
   */
  async changePassword(viewer: Viewer, channelId: string, rawPassword: string): Promise<ChannelView> {
    const password = parseField('password', channelPasswordSchema, rawPassword);
    const userId = viewer.user.id;
    const channel = await this.owned(viewer, channelId, 'change its password', (kind) =>
      kind === ChannelKind.PASSWORD ? undefined : 'Only a PASSWORD channel has a password.',
    );
    await this.checkRate(this.orm.em.fork(), userId);
    // Hashed before the transaction (19 MiB and tens of ms): the channel's row is locked only to write it.
    const passwordHash = await this.passwords.hash(password);
    await lockingTransaction(this.orm, async (em) => {
      const locked = await em.findOneOrFail(Channel, channel.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Counted again under the viewer's row lock: concurrent changes cannot pass the limit together.
      await lockUsers(em, [userId]);
      await this.checkRate(em, userId);
      locked.passwordHash = passwordHash;
      // Whoever was removed knew the old password only: they may join again with the new one.
      await em.nativeDelete(ChannelRemoval, { channel: channel.id });
      const now = this.clock();
      this.moderation.record(
        em,
        userId,
        { action: ModerationActionKind.CHANGE_CHANNEL_PASSWORD, channelId: channel.id },
        now,
      );
    });
    return (await this.channels.get(viewer, channel.id))!;
  }

  /** @throws DomainError RATE_LIMITED once the user changed {@link PASSWORD_CHANGE_RULES} passwords in the window. */
  private async checkRate(em: EntityManager, userId: string): Promise<void> {
    const { changesPerWindow, windowMs } = PASSWORD_CHANGE_RULES;
    const now = this.clock().getTime();
    const recent = await em.find(
      ModerationAction,
      {
        actor: userId,
        action: ModerationActionKind.CHANGE_CHANNEL_PASSWORD,
        createdAt: { $gt: new Date(now - windowMs) },
      },
      { fields: ['createdAt'], orderBy: { createdAt: 'asc' }, limit: changesPerWindow },
    );
    refuseWhenFull(
      recent.map((action) => action.createdAt),
      { limit: changesPerWindow, windowMs },
      new Date(now),
      'Too many password changes; try later.',
    );
  }
}
