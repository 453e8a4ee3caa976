import type { MikroORM } from '@mikro-orm/core';
import { dateColumn } from './dialect';
import { PlainSql } from './plain-sql';

/** A member as a page lists them: the user and when they joined. */
export interface MemberRow {
  id: string;
  displayName: string;
  joinedAt: Date;
}

/** The SQL of the member lists of PASSWORD channels (`memberships`). */
export class MemberStore {
  private readonly sql: PlainSql;

  constructor(orm: MikroORM) {
    this.sql = new PlainSql(orm);
  }

  /** How many members each of these channels has, in one query (channels without members are missing). */
  async counts(channelIds: readonly string[]): Promise<Map<string, number>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.sql.rows<{ channel_id: string; n: number | string }>(
      `select channel_id, count(*) as n from memberships where channel_id in (${channelIds.map(() => '?').join(', ')})
       group by channel_id`,
      [...channelIds],
    );
    return new Map(rows.map((row) => [row.channel_id, Number(row.n)]));
  }

  /** Up to `limit` members of a channel in the order they joined (then by id), after `after` when given. */
  async page(channelId: string, after: { joinedAt: Date; userId: string } | undefined, limit: number) {
    const rows = await this.sql.rows<{ id: string; display_name: string; joined_at: Date | number | string }>(
      `select u.id, u.display_name, m.joined_at from memberships m join users u on u.id = m.user_id
       where m.channel_id = ?${after ? ' and (m.joined_at > ? or (m.joined_at = ? and m.user_id > ?))' : ''}
       order by m.joined_at, m.user_id limit ${Math.trunc(limit)}`,
      after ? [channelId, this.sql.date(after.joinedAt), this.sql.date(after.joinedAt), after.userId] : [channelId],
    );
    return rows.map(
      (row): MemberRow => ({ id: row.id, displayName: row.display_name, joinedAt: dateColumn(row.joined_at) }),
    );
  }
}
