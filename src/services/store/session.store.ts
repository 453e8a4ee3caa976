import type { MikroORM } from '@mikro-orm/core';
import { dateColumn } from './dialect';
import { PlainSql } from './plain-sql';

/** A live session and its user, as every authenticated request needs them. */
export interface LiveSession {
  sessionId: string;
  expiresAt: Date;
  user: { id: string; email: string; displayName: string };
}

/**
 * The SQL of the sessions table family on the hot path: every request with a token looks its session up, so the
 * lookup is one plain query (see PlainSql) rather than two hydrated entities.
 */
export class SessionStore {
  private readonly sql: PlainSql;

  constructor(orm: MikroORM) {
    this.sql = new PlainSql(orm);
  }

  /** The session stored under this token hash, with its user, unless it is revoked or expired at `now`. */
  async live(tokenHash: string, now: Date): Promise<LiveSession | undefined> {
    const [row] = await this.sql.rows<{
      id: string;
      expires_at: Date | number | string;
      user_id: string;
      email: string;
      display_name: string;
    }>(
      `select s.id, s.expires_at, u.id as user_id, u.email, u.display_name
       from sessions s join users u on u.id = s.user_id
       where s.token_hash = ? and s.revoked_at is null and s.expires_at > ?`,
      [tokenHash, this.sql.date(now)],
    );
    if (!row) return undefined;
    return {
      sessionId: row.id,
      expiresAt: dateColumn(row.expires_at),
      user: { id: row.user_id, email: row.email, displayName: row.display_name },
    };
  }

  /**
   * Of these sessions, the ones in force at `now` (not revoked, not expired), with their users' ids. The periodic
   * re-checks ask it of thousands of sessions at a time, so it reads plain rows: hydrating them as entities held the
   * event loop for tens of milliseconds per thousand, and every request waited (bench/RESULTS.md, "Latency").
   */
  async inForce(ids: readonly string[], now: Date): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.rows<{ id: string; user_id: string }>(
      `select id, user_id from sessions
       where id in (${ids.map(() => '?').join(', ')}) and revoked_at is null and expires_at > ?`,
      [...ids, this.sql.date(now)],
    );
    return new Map(rows.map((row) => [row.id, row.user_id]));
  }
}
