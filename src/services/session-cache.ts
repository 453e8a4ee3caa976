import { LRUCache } from 'lru-cache';
import type { LiveSession } from './store/session.store';

export interface SessionCacheOptions {
  /** How long a looked-up session is served from memory (SESSION_CACHE_SECONDS); 0 turns the cache off. */
  ttlMs: number;
  /** How many sessions are held at most; the least recently used go first. */
  max: number;
  /** The time in milliseconds (the services' clock), for the time limit. */
  now: () => number;
}

/**
 * The sessions this instance looked up lately, by token hash, so that a signed-in request costs no database round
 * trip. Kept exact by events: a session that ends (logout, ban) is dropped when its `sessionEnded` event arrives, from
 * this instance or from another one through the broker, and the whole cache is dropped and left unused while those
 * events cannot arrive here (this instance's broker connection is down: see {@link suspend}). A notice the instance
 * where the session ended could not send (its own broker connection was down) is made up for by a periodic re-check
 * of the held sessions in the database (AuthService.recheckCachedSessions, every few seconds). The time limit bounds
 * what no event reports: a display name changed through another instance shows on this one's sends within `ttlMs`.
 * An entry is never served past its session's `expiresAt`.
 */
export class SessionCache {
  private readonly byToken: LRUCache<string, LiveSession> | undefined;
  /** Token hashes by session id, to drop a session that ended. */
  private readonly tokenOf = new Map<string, string>();
  /**
   * Sessions that ended lately: a lookup that was in flight while one ended (it read the session before the logout
   * committed) must not put it back.
   */
  private readonly ended: LRUCache<string, true> | undefined;
  private trusted = false;
  /** Moves at every suspend and resume: a lookup that began before one must not fill the cache after it. */
  private era = 0;

  constructor(options: SessionCacheOptions) {
    if (options.ttlMs <= 0) return;
    // ttlResolution 0: the clock is read at each check (it is the services' clock, which tests move).
    const perf = { now: options.now };
    this.byToken = new LRUCache<string, LiveSession>({
      max: options.max,
      ttl: options.ttlMs,
      ttlResolution: 0,
      perf,
      dispose: (session) => this.tokenOf.delete(session.sessionId),
    });
    this.ended = new LRUCache<string, true>({ max: options.max, ttl: options.ttlMs, ttlResolution: 0, perf });
  }

  /** The cached session of a token hash, unless it expired at `now`; undefined when not cached or not trusted. */
  get(tokenHash: string, now: Date): LiveSession | undefined {
    if (!this.trusted) return undefined;
    const session = this.byToken?.get(tokenHash);
    return session && session.expiresAt > now ? session : undefined;
  }

  /** The era to pass to {@link set}, taken before the lookup. */
  get generation(): number {
    return this.era;
  }

  /**
   * Holds a session looked up since `generation`; not one that ended meanwhile, nor any when the broker connection
   * dropped or came back meanwhile (a notice may have been missed between).
   */
  set(tokenHash: string, session: LiveSession, generation: number): void {
    if (!this.trusted || !this.byToken || generation !== this.era || this.ended?.has(session.sessionId)) return;
    this.byToken.set(tokenHash, session);
    this.tokenOf.set(session.sessionId, tokenHash);
  }

  /** A session ended: its token is looked up again (and refused) from now on. */
  endSession(sessionId: string): void {
    this.ended?.set(sessionId, true);
    const tokenHash = this.tokenOf.get(sessionId);
    if (tokenHash !== undefined) this.byToken?.delete(tokenHash);
  }

  /** A user changed (renamed here): their sessions are looked up again. */
  forgetUser(userId: string): void {
    for (const [tokenHash, session] of this.byToken?.entries() ?? []) {
      if (session.user.id === userId) this.byToken?.delete(tokenHash);
    }
  }

  /** Events of ended sessions can arrive again (the broker's notices are subscribed): caching starts afresh. */
  resume(): void {
    this.era++;
    this.byToken?.clear();
    this.trusted = true;
  }

  /** Events of ended sessions may be missed (the broker connection is down): nothing is cached or served. */
  suspend(): void {
    this.era++;
    this.trusted = false;
    this.byToken?.clear();
  }

  /** The ids of the sessions held now (re-checked in the database now and then: see AuthService). */
  sessionIds(): string[] {
    return [...this.tokenOf.keys()];
  }

  /** Whether the session of this token hash is held now. */
  holds(tokenHash: string): boolean {
    return this.byToken?.has(tokenHash) ?? false;
  }

  /** How many sessions are held now. */
  get size(): number {
    return this.byToken?.size ?? 0;
  }
}
