import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Channel, isBanned, Message, MessageKind, User } from '../entities';
import { badInput } from '../errors';
import type { Viewer } from './auth.service';
import type { Clock } from './clock';
import type { ModerationService } from './moderation.service';
import { messageView, type MessageView } from './views';

export const LOOKUP_RULES = { maxUsers: 20, defaultMessages: 50, maxMessages: 100, minSearch: 3 } as const;

/** A user as admins see them: their address and their ban. */
export interface UserAccountView {
  id: string;
  email: string;
  displayName: string;
  createdAt: Date;
  banned: boolean;
  bannedUntil: Date | null;
  banReason: string | null;
}

/** A message with the name of its channel, for the operations page's list of recent messages. */
export interface RecentMessageView {
  message: MessageView;
  channelName: string;
}

/** What admins look up to moderate: users by address, and the newest messages of every channel. */
export class AdminLookupService {
  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    private readonly moderation: Pick<ModerationService, 'requireAdmin'>,
  ) {}

  /**
   * Up to 20 users whose address starts with `email` (any case), in address order, through the address's index.
   *
   * @throws DomainError FORBIDDEN unless the viewer is an admin; BAD_USER_INPUT for fewer than 3 characters.
   */
  async searchUsers(viewer: Viewer, email: string): Promise<UserAccountView[]> {
    this.moderation.requireAdmin(viewer);
    const prefix = email.trim().toLowerCase();
    if (prefix.length < LOOKUP_RULES.minSearch || prefix.length > 320) {
      throw badInput('email', `Give ${LOOKUP_RULES.minSearch} to 320 characters of the address.`);
    }
    // `!` escapes LIKE's wildcards the same way on MySQL and SQLite (SQLite has no default escape character).
    const pattern = `${prefix.replace(/[!%_]/g, '!$&')}%`;
    const users = await (this.orm.em.fork() as SqlEntityManager)
      .createQueryBuilder(User)
      .where("email like ? escape '!'", [pattern])
      .orderBy({ email: 'asc' })
      .limit(LOOKUP_RULES.maxUsers)
      .getResultList();
    const now = this.clock();
    return users.map((user) => ({
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      createdAt: user.createdAt,
      banned: isBanned(user, now),
      bannedUntil: user.bannedUntil,
      banReason: user.banReason,
    }));
  }

  /**
   * The newest USER messages not deleted, of every channel, newest first: `first` of them (1–100, default 50).
   *
   * @throws DomainError FORBIDDEN unless the viewer is an admin; BAD_USER_INPUT for `first` out of range.
   */
  async recentMessages(viewer: Viewer, first: number | null): Promise<RecentMessageView[]> {
    this.moderation.requireAdmin(viewer);
    const limit = first ?? LOOKUP_RULES.defaultMessages;
    if (!Number.isInteger(limit) || limit < 1 || limit > LOOKUP_RULES.maxMessages) {
      throw badInput('first', `first must be between 1 and ${LOOKUP_RULES.maxMessages}.`);
    }
    const em = this.orm.em.fork();
    const messages = await em.find(
      Message,
      { kind: MessageKind.USER, deletedAt: null },
      // By time alone, so the (created_at, …) index gives the order and the limit stops the scan.
      { populate: ['sender'], orderBy: { createdAt: 'desc' }, limit },
    );
    const channels = await em.find(
      Channel,
      { id: { $in: [...new Set(messages.map((m) => m.channel.id))] } },
      { fields: ['name'] },
    );
    const names = new Map(channels.map((c) => [c.id, c.name]));
    return messages.map((m) => ({ message: messageView(m), channelName: names.get(m.channel.id) ?? '' }));
  }
}
