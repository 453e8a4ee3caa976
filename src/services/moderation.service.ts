import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { isBanned, ModerationAction, ModerationActionKind, Session, User } from '../entities';
import { badInput, DomainError, ErrorCode, notFound } from '../errors';
import type { Viewer } from './auth.service';
import { isUserId } from './channel-access';
import type { Clock } from './clock';
import { decodeLogCursor, encodeLogCursor } from './cursor';
import { lockingTransaction } from './transaction';
import { moderationReasonSchema, parseField } from './validation';
import type { PageInfo } from './views';

/** One entry of the moderation log, as admins read it. */
export interface ModerationEntry {
  id: string;
  action: ModerationActionKind;
  actor: User | null;
  targetUser: User | null;
  channelId: string | null;
  messageId: string | null;
  reason: string | null;
  createdAt: Date;
}

/** A page of the moderation log, Relay-style, newest first. */
export interface ModerationLogPage {
  edges: { cursor: string; node: ModerationEntry }[];
  pageInfo: PageInfo;
}

export const MODERATION_RULES = { defaultPage: 50, maxPage: 100 } as const;

/** What a moderation action records besides who made it and when. */
export interface ModerationRecord {
  action: ModerationActionKind;
  targetUserId?: string | null;
  channelId?: string | null;
  messageId?: string | null;
  reason?: string | null;
}

/** The latest end of a ban the databases can store (DATETIME ends with the year 9999). */
const LATEST_UNTIL = Date.UTC(9999, 11, 31);

/**
 * Locks users' rows in id order, the moderator's with the user acted upon: every moderation action that touches two
 * users takes both this way (and its log row's keys then need no other lock), so two actions of one admin on one
 * user (a deletion and a ban) cannot deadlock. Returns the users found, by id.
 */
export async function lockUsers(em: EntityManager, ids: string[]): Promise<Map<string, User>> {
  const sorted = [...new Set(ids)].sort();
  const users = await em.find(
    User,
    { id: { $in: sorted } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
  );
  return new Map(users.map((user) => [user.id, user]));
}

/** The refusal of an admin operation to anyone else. */
export const adminsOnly = () => new DomainError(ErrorCode.FORBIDDEN, 'Only an admin may do this.');

/**
 * Admins and what they do: bans, and the log every moderation action writes in its own transaction (`record`).
 * Admins are named by configuration (ADMIN_EMAILS), by the email they sign in with.
 */
export class ModerationService {
  private readonly admins: ReadonlySet<string>;

  constructor(
    private readonly orm: MikroORM,
    private readonly clock: Clock,
    adminEmails: readonly string[],
    /** Told of each session a ban ended (after the ban is stored). Must not throw. */
    private readonly onSessionEnded: (sessionId: string) => void = () => undefined,
  ) {
    this.admins = new Set(adminEmails.map((email) => email.toLowerCase()));
  }

  /** Whether the viewer is an admin. */
  isAdmin(viewer: Pick<Viewer, 'user'>): boolean {
    return this.admins.has(viewer.user.email.toLowerCase());
  }

  /** @throws DomainError FORBIDDEN unless the viewer is an admin. */
  requireAdmin(viewer: Pick<Viewer, 'user'>): void {
    if (!this.isAdmin(viewer)) throw adminsOnly();
  }

  /** Writes one moderation action in the transaction `em` has open (flushed with it). */
  record(em: EntityManager, actorId: string, record: ModerationRecord, now: Date): void {
    em.create(ModerationAction, {
      action: record.action,
      actor: actorId,
      targetUser: record.targetUserId ?? null,
      channelId: record.channelId ?? null,
      messageId: record.messageId ?? null,
      reason: record.reason ?? null,
      createdAt: now,
    });
  }

  /**
   * Bans a user until `until` (or with no end): every session of theirs ends at once, on every path and instance
   * (`onSessionEnded`), and signing in is refused while the ban lasts. Their messages stay. Banning a banned user
   * again replaces the ban.
   *
   * @throws DomainError FORBIDDEN unless the viewer is an admin; NOT_FOUND for an unknown user; BAD_USER_INPUT for a
   * missing or bad reason, an `until` that is not in the future, or an admin (one's own account included). Nothing
   * changes then.
   */
  async ban(viewer: Viewer, userId: string, rawReason: string, until?: Date | null): Promise<User> {
    this.requireAdmin(viewer);
    const reason = parseField('reason', moderationReasonSchema, rawReason);
    if (!isUserId(userId)) throw notFound('user');
    const outcome = await lockingTransaction(this.orm, async (em) => {
      const now = this.clock();
      if (until && until <= now) throw badInput('until', 'until must be in the future.');
      if (until && until.getTime() > LATEST_UNTIL) throw badInput('until', 'until must be before the year 10000.');
      const user = (await lockUsers(em, [viewer.user.id, userId])).get(userId);
      if (!user) throw notFound('user');
      if (this.admins.has(user.email)) {
        throw badInput('userId', 'An admin cannot be banned; remove them from ADMIN_EMAILS first.');
      }
      user.bannedAt = now;
      user.bannedUntil = until ?? null;
      user.banReason = reason;
      // Under the user's lock, which a sign-in takes too: no session opens between this read and the commit.
      const sessions = await em.find(
        Session,
        { user: userId, revokedAt: null, expiresAt: { $gt: now } },
        { fields: ['id'] },
      );
      if (sessions.length)
        await em.nativeUpdate(Session, { id: { $in: sessions.map((s) => s.id) } }, { revokedAt: now });
      this.record(em, viewer.user.id, { action: ModerationActionKind.BAN_USER, targetUserId: userId, reason }, now);
      return { user, ended: sessions.map((s) => s.id) };
    });
    for (const sessionId of outcome.ended) this.onSessionEnded(sessionId);
    return outcome.user;
  }

  /**
   * Lifts a user's ban: they may sign in again. A user who is not banned is answered as they are (nothing recorded).
   *
   * @throws DomainError FORBIDDEN unless the viewer is an admin; NOT_FOUND for an unknown user.
   */
  async unban(viewer: Viewer, userId: string): Promise<User> {
    this.requireAdmin(viewer);
    if (!isUserId(userId)) throw notFound('user');
    return lockingTransaction(this.orm, async (em) => {
      const now = this.clock();
      const user = (await lockUsers(em, [viewer.user.id, userId])).get(userId);
      if (!user) throw notFound('user');
      if (!isBanned(user, now)) return user;
      user.bannedAt = null;
      user.bannedUntil = null;
      user.banReason = null;
      this.record(em, viewer.user.id, { action: ModerationActionKind.UNBAN_USER, targetUserId: userId }, now);
      return user;
    });
  }

  /**
   * A page of the moderation log, newest first: `first` entries (1–100, default 50) after the `after` cursor.
   *
   * @throws DomainError FORBIDDEN unless the viewer is an admin; BAD_USER_INPUT for `first` out of range or a
   * cursor not of the log.
   */
  async log(viewer: Viewer, args: { first?: number | null; after?: string | null }): Promise<ModerationLogPage> {
    this.requireAdmin(viewer);
    const first = args.first ?? MODERATION_RULES.defaultPage;
    if (!Number.isInteger(first) || first < 1 || first > MODERATION_RULES.maxPage) {
      throw badInput('first', `first must be between 1 and ${MODERATION_RULES.maxPage}.`);
    }
    const after = args.after == null ? undefined : decodeLogCursor('after', args.after);
    const rows = await this.orm.em.fork().find(
      ModerationAction,
      after
        ? {
            $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }],
          }
        : {},
      { populate: ['actor', 'targetUser'], orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 },
    );
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeLogCursor(node.createdAt, node.id), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }
}
