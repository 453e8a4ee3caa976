import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LockMode, UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { DomainError, ErrorCode, rateLimited } from '../errors';
import { isBanned, LoginCode, LoginCodeRequest, Session, User } from '../entities';
import type { CodeDelivery, Mailer } from '../mail/mailer';
import type { Clock } from './clock';
import type { ActivityLog } from './activity-log';
import { SessionCache } from './session-cache';
import { SessionStore } from './store/session.store';
import { lockingTransaction } from './transaction';
import { displayNameSchema, emailSchema, loginCodeSchema, parseField } from './validation';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The contract's sign-in rules ("Login codes", "Sessions"). */
export const LOGIN_RULES = {
  codeTtlMs: 10 * MINUTE,
  maxWrongTries: 5,
  resendAfterMs: MINUTE,
  codesPerEmailPerHour: 5,
} as const;

export interface AuthOptions {
  secret: string;
  sessionTtlDays: number;
  loginCodesPerAddressPerHour: number;
  /** How long a looked-up session is served from memory (SESSION_CACHE_SECONDS; 0: never). */
  sessionCacheSeconds: number;
}

/** The most sessions one instance holds in memory (about 300 bytes each). */
export const SESSION_CACHE_MAX = 10_000;

/** Who is making a request: the user and the session their token opened. */
export interface Viewer {
  user: { id: string; email: string; displayName: string };
  session: { id: string; expiresAt: Date };
}

export interface LoginCodeTicket {
  email: string;
  expiresAt: Date;
  resendAfter: Date;
  /** Mailed, or in the server's log (development without SMTP_URL). */
  delivery: CodeDelivery;
}

export interface SignIn {
  token: string;
  expiresAt: Date;
  user: User;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Passwordless sign-in: mailed 6-digit codes, opaque session tokens.
 *
 * Every throttle lives in the database and every change to one address's code happens under that address's row
 * lock, so the limits hold across server instances and across aliased fields in one request.
 */
export class AuthService {
  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly options: AuthOptions,
    /** Told of each session that logout ended (after the change is stored). Must not throw. */
    private readonly onSessionEnded: (sessionId: string) => void = () => undefined,
    /** Where each user's first request of the day is recorded (daily active users). */
    private readonly activity?: Pick<ActivityLog, 'seen'>,
  ) {
    this.sessions = new SessionStore(orm);
    this.sessionCache = new SessionCache({
      ttlMs: options.sessionCacheSeconds * 1000,
      max: SESSION_CACHE_MAX,
      now: () => clock().getTime(),
    });
  }

  private readonly sessions: SessionStore;
  /** Sessions looked up lately (see SessionCache): it must be told of ended sessions and of the broker's state. */
  readonly sessionCache: SessionCache;

  /**
   * Mails a new code to `email`, replacing any earlier one.
   *
   * @throws DomainError BAD_USER_INPUT for a malformed address; RATE_LIMITED inside 60 s of the previous code,
   * after 5 codes for the address in an hour, or after the per-client-address cap. Nothing is stored then.
   * If the mail cannot be sent, nothing is stored either and the error propagates (INTERNAL_SERVER_ERROR).
   */
  async requestLoginCode(rawEmail: string, clientAddress: string): Promise<LoginCodeTicket> {
    const email = parseField('email', emailSchema, rawEmail);
    clientAddress = clientAddress.slice(0, 64);
    const now = this.clock();
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    const expiresAt = new Date(now.getTime() + LOGIN_RULES.codeTtlMs);
    try {
      await lockingTransaction(this.orm, async (em) => {
        const current = await em.findOne(LoginCode, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (current && now.getTime() - current.createdAt.getTime() < LOGIN_RULES.resendAfterMs) {
          throw rateLimited(
            (current.createdAt.getTime() + LOGIN_RULES.resendAfterMs - now.getTime()) / 1000,
            'A code was sent less than a minute ago.',
          );
        }
        await this.checkHourlyCap(em, { email }, LOGIN_RULES.codesPerEmailPerHour, now);
        await this.checkHourlyCap(em, { clientAddress }, this.options.loginCodesPerAddressPerHour, now);

        const fields = {
          codeHash: this.codeHash(email, code),
          createdAt: now,
          expiresAt,
          failedAttempts: 0,
          consumedAt: null,
        };
        if (current) em.assign(current, fields);
        else em.persist(em.create(LoginCode, { email, ...fields }));
        em.persist(em.create(LoginCodeRequest, { email, clientAddress, createdAt: now }));
        await em.flush();
        await this.mailer.sendLoginCode({ to: email, code, expiresAt });
      });
    } catch (error) {
      // Two first requests for one address at once: the other one just sent a code.
      if (error instanceof UniqueConstraintViolationException)
        throw rateLimited(60, 'A code was sent less than a minute ago.');
      throw error;
    }
    return {
      email,
      expiresAt,
      resendAfter: new Date(now.getTime() + LOGIN_RULES.resendAfterMs),
      delivery: this.mailer.delivery,
    };
  }

  /**
   * Checks a code; on success creates the user (first time) and opens a session.
   *
   * @throws DomainError BAD_USER_INPUT for a malformed email or code (not counted as a try); INVALID_CODE for a
   * wrong, expired, used, replaced or killed code, with `attemptsLeft` when a wrong try counted against a live code;
   * FORBIDDEN with `reason: "BANNED"` and `until` (null: no end) for the right code of a banned user, which it uses
   * up without opening a session.
   */
  async verifyLoginCode(rawEmail: string, rawCode: string): Promise<SignIn> {
    const email = parseField('email', emailSchema, rawEmail);
    const code = parseField('code', loginCodeSchema, rawCode);
    const now = this.clock();
    const outcome = await lockingTransaction(this.orm, async (em) => {
      const row = await em.findOne(LoginCode, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row || row.consumedAt || row.expiresAt <= now || row.failedAttempts >= LOGIN_RULES.maxWrongTries) {
        return { ok: false as const };
      }
      const expected = Buffer.from(row.codeHash, 'hex');
      const given = Buffer.from(this.codeHash(email, code), 'hex');
      if (!timingSafeEqual(expected, given)) {
        row.failedAttempts += 1;
        return { ok: false as const, attemptsLeft: LOGIN_RULES.maxWrongTries - row.failedAttempts };
      }
      row.consumedAt = now;
      // Under the user's lock, which a ban takes too: a session cannot open beside a ban being stored.
      let user = await em.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (user && isBanned(user, now)) return { ok: false as const, bannedUntil: user.bannedUntil };
      if (!user) {
        const localPart = displayNameSchema.safeParse(email.split('@')[0]);
        user = em.create(User, { email, displayName: localPart.success ? localPart.data : 'user', createdAt: now });
      }
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + this.options.sessionTtlDays * 24 * HOUR);
      em.create(Session, { user, tokenHash: sha256(token), createdAt: now, expiresAt });
      return { ok: true as const, signIn: { token, expiresAt, user } };
    });
    if (!outcome.ok && 'bannedUntil' in outcome) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'This account is banned.', {
        reason: 'BANNED',
        until: outcome.bannedUntil?.toISOString() ?? null,
      });
    }
    if (!outcome.ok) {
      throw new DomainError(
        ErrorCode.INVALID_CODE,
        'The code is wrong, expired or no longer valid.',
        outcome.attemptsLeft === undefined ? {} : { attemptsLeft: outcome.attemptsLeft },
      );
    }
    return outcome.signIn;
  }

  /**
   * The viewer a bearer token stands for, or null when it is unknown, revoked or expired. Every request with a token
   * asks this: from the SessionCache when it holds the session, else one plain query (SessionStore); and one more
   * on the user's first request of the day on this instance (ActivityLog).
   */
  async authenticate(token: string): Promise<Viewer | null> {
    if (token.length === 0 || token.length > 512) return null;
    const tokenHash = sha256(token);
    const now = this.clock();
    let found = this.sessionCache.get(tokenHash, now);
    if (!found) {
      const generation = this.sessionCache.generation;
      found = await this.sessions.live(tokenHash, now);
      if (!found) return null;
      this.sessionCache.set(tokenHash, found, generation);
    }
    await this.activity?.seen(found.user.id);
    return { user: found.user, session: { id: found.sessionId, expiresAt: found.expiresAt } };
  }

  /**
   * Drops from the session cache the sessions that ended (or expired) without their notice reaching this instance:
   * the instance where one ended may have been cut off from the broker. One query per 1,000 held sessions.
   */
  async recheckCachedSessions(): Promise<void> {
    const ids = this.sessionCache.sessionIds();
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const inForce = await this.activeSessions(chunk);
      for (const id of chunk) if (!inForce.has(id)) this.sessionCache.endSession(id);
    }
  }

  /** Ends a session at once; its token then authenticates nothing. */
  async logout(viewer: Viewer): Promise<void> {
    await this.orm.em
      .fork()
      .nativeUpdate(Session, { id: viewer.session.id, revokedAt: null }, { revokedAt: this.clock() });
    this.onSessionEnded(viewer.session.id);
  }

  /**
   * Renames the viewer.
   *
   * @throws DomainError BAD_USER_INPUT (field `displayName`) unless 1–64 characters after trimming, with no
   * control characters.
   */
  async updateDisplayName(viewer: Viewer, rawName: string): Promise<User> {
    const displayName = parseField('displayName', displayNameSchema, rawName);
    const em = this.orm.em.fork();
    const user = await em.findOneOrFail(User, viewer.user.id);
    user.displayName = displayName;
    await em.flush();
    this.sessionCache.forgetUser(user.id);
    return user;
  }

  /**
   * Of these sessions, the ones still in force (not logged out, not expired), with their users. Sockets and broker
   * connections use it to notice logout and expiry.
   */
  activeSessions(ids: string[]): Promise<Map<string, string>> {
    return this.sessions.inForce(ids, this.clock());
  }

  /** The sessions that expired (and were not logged out) after `since` and up to now; none when `since` is null. */
  async sessionsExpired(since: Date | null): Promise<{ ids: string[]; upTo: Date }> {
    const upTo = this.clock();
    if (since === null) return { ids: [], upTo };
    const sessions = await this.orm.em
      .fork()
      .find(Session, { revokedAt: null, expiresAt: { $gt: since, $lte: upTo } }, { fields: ['id'] });
    return { ids: sessions.map((s) => s.id), upTo };
  }

  /** The sessions in force of a user. */
  async sessionsOf(userId: string): Promise<string[]> {
    const sessions = await this.orm.em.fork().find(Session, { user: userId, ...this.inForce() }, { fields: ['id'] });
    return sessions.map((s) => s.id);
  }

  /** The condition of a session in force now. */
  private inForce() {
    return { revokedAt: null, expiresAt: { $gt: this.clock() } };
  }

  private codeHash(email: string, code: string): string {
    return createHmac('sha256', this.options.secret).update(`${email}\n${code}`).digest('hex');
  }

  /** Refuses when `cap` codes were already requested for this email or client address within the last hour. */
  private async checkHourlyCap(
    em: EntityManager,
    where: { email: string } | { clientAddress: string },
    cap: number,
    now: Date,
  ): Promise<void> {
    const recent = await em.find(
      LoginCodeRequest,
      { ...where, createdAt: { $gt: new Date(now.getTime() - HOUR) } },
      { orderBy: { createdAt: 'desc' }, limit: cap, fields: ['createdAt'] },
    );
    if (recent.length < cap) return;
    const freesUpAt = recent[cap - 1].createdAt.getTime() + HOUR;
    throw rateLimited((freesUpAt - now.getTime()) / 1000, 'Too many codes requested; try again later.');
  }
}
