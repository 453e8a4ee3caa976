import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { Channel, ChannelKind, ModerationAction, ModerationActionKind } from '../entities';
import { badInput, DomainError, ErrorCode, notFound, rateLimited } from '../errors';
import type { Viewer } from './auth.service';
import { findChannel, hiddenFrom } from './channel-access';
import type { ChannelPasswords } from './channel-passwords';
import type { ChannelService } from './channel.service';
import type { Clock } from './clock';
import { lockUsers, type ModerationService } from './moderation.service';
import { lockingTransaction } from './transaction';
import { channelPasswordSchema, parseField } from './validation';
import type { ChannelView } from './views';

/** How often one user may change channel passwords: each change hashes with argon2 and writes the log. */
export const PASSWORD_CHANGE_RULES = { changesPerWindow: 10, windowMs: 60 * 60_000 } as const;

/**
 * What a channel's owner (and any admin) may do to the channel, each recorded in the moderation log: today, change a
 * PASSWORD channel's password.
 */
export class ChannelModerationService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly passwords: ChannelPasswords,
    private readonly moderation: Pick<ModerationService, 'isAdmin' | 'record'>,
    private readonly channels: Pick<ChannelService, 'get'>,
  ) {}

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
    const admin = this.moderation.isAdmin(viewer);
    const channel = await findChannel(this.orm.em.fork(), channelId);
    if (!channel || (!admin && hiddenFrom(channel, userId))) throw notFound();
    if (channel.kind !== ChannelKind.PASSWORD) throw badInput('channelId', 'Only a PASSWORD channel has a password.');
    if (!admin && channel.owner?.id !== userId) {
      throw new DomainError(ErrorCode.FORBIDDEN, "Only the channel's owner or an admin may change its password.");
    }
    await this.checkRate(this.orm.em.fork(), userId);
    // Hashed before the transaction (19 MiB and tens of ms): the channel's row is locked only to write it.
    const passwordHash = await this.passwords.hash(password);
    await lockingTransaction(this.orm, async (em) => {
      const locked = await em.findOneOrFail(Channel, channel.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Counted again under the viewer's row lock: concurrent changes cannot pass the limit together.
      await lockUsers(em, [userId]);
      await this.checkRate(em, userId);
      locked.passwordHash = passwordHash;
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
    if (recent.length < changesPerWindow) return;
    throw rateLimited((recent[0].createdAt.getTime() + windowMs - now) / 1000, 'Too many password changes; try later.');
  }
}
