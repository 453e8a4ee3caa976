import {
  DeadlockException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
  type MikroORM,
} from '@mikro-orm/core';
import { dateColumn } from './dialect';
import { PlainSql, type Statement } from './plain-sql';

export const HOUR_MS = 60 * 60_000;

/** The UTC date (`YYYY-MM-DD`) an hour since the epoch falls on. */
export const dayOfHour = (hour: number): string => new Date(hour * HOUR_MS).toISOString().slice(0, 10);

/** One channel's USER messages in one hour. */
export interface HourCount {
  hour: number;
  channelId: string;
  messages: number;
}

/** A pass sold: its tier, when, and what was paid (null amounts for passes granted without a checkout). */
export interface PassSale {
  tier: string;
  createdAt: Date;
  amount: number | null;
  currency: string | null;
}

/**
 * The SQL of the operations page. Every read here is bounded by the size of its window, not of `messages`: the
 * pre-aggregated tables hold one row per hour and one per channel and day, and `messages` is only read one range of
 * hours at a time through its `(created_at, channel_id, kind)` index, which answers the count without the rows.
 */
export class StatsStore {
  private readonly sql: PlainSql;

  constructor(orm: MikroORM) {
    this.sql = new PlainSql(orm);
  }

  /** Records that the user was active on `day`; a second record of the same day changes nothing. */
  async recordActive(day: string, userId: string): Promise<void> {
    const insert = this.sql.dialect === 'mysql' ? 'insert ignore' : 'insert or ignore';
    await this.sql.rows(`${insert} into active_user_days (day, user_id) values (?, ?)`, [day, userId]);
  }

  /** Each active day from `fromDay` on, with its count of active users. */
  async activeUsers(fromDay: string): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ day: string; n: number | string }>(
      'select day, count(*) as n from active_user_days where day >= ? group by day',
      [fromDay],
    );
    return new Map(rows.map((r) => [r.day, Number(r.n)]));
  }

  /** The rolled-up hours in [from, to), with their USER messages. */
  async rolledUp(from: number, to: number): Promise<Map<number, number>> {
    const rows = await this.sql.rows<{ hour: number | string; messages: number | string }>(
      'select hour, messages from message_hours where hour >= ? and hour < ?',
      [from, to],
    );
    return new Map(rows.map((r) => [Number(r.hour), Number(r.messages)]));
  }

  /** The USER messages stored in [from, to) hours, by hour and channel, counted from the index alone. */
  async count(from: number, to: number): Promise<HourCount[]> {
    const { sql, params } = this.countStatement(from, to);
    return hourCounts(await this.sql.rows(sql, params));
  }

  private countStatement(from: number, to: number): Statement {
    const hour =
      this.sql.dialect === 'mysql'
        ? "timestampdiff(hour, '1970-01-01 00:00:00', created_at)"
        : `cast(created_at / ${HOUR_MS} as integer)`;
    return {
      sql: `select ${hour} as hour, channel_id, count(*) as n from messages
            where created_at >= ? and created_at < ? and kind = 'USER' group by ${hour}, channel_id`,
      params: [this.sql.date(new Date(from * HOUR_MS)), this.sql.date(new Date(to * HOUR_MS))],
    };
  }

  /**
   * Rolls up the closed hours [from, to) in one transaction: a `message_hours` row for each (zero included) and
   * their messages added to `channel_message_days`. Resolves false, changing nothing, when another instance rolled up
   * one of them first (each hour is rolled up once: its row is the claim) or the rows it needs are held by another
   * (a deadlock or a lock wait that timed out): the hours not rolled up are counted live, and tried again next time.
   */
  async rollUp(from: number, to: number): Promise<boolean> {
    try {
      await this.sql.transaction(async (step) => {
        const [rows] = await step([this.countStatement(from, to)]);
        const counts = hourCounts(rows);
        const perHour = new Map<number, number>();
        const perDay = new Map<string, { day: string; channelId: string; messages: number }>();
        for (const c of counts) {
          perHour.set(c.hour, (perHour.get(c.hour) ?? 0) + c.messages);
          const key = `${dayOfHour(c.hour)} ${c.channelId}`;
          const day = perDay.get(key) ?? { day: dayOfHour(c.hour), channelId: c.channelId, messages: 0 };
          day.messages += c.messages;
          perDay.set(key, day);
        }
        const hours = Array.from({ length: to - from }, (_, i) => from + i);
        const statements: Statement[] = [
          {
            sql: `insert into message_hours (hour, messages) values ${hours.map(() => '(?, ?)').join(', ')}`,
            params: hours.flatMap((h) => [h, perHour.get(h) ?? 0]),
          },
        ];
        if (perDay.size > 0) {
          // In key order, so two instances rolling up hours of one day lock its rows in the same order.
          const days = [...perDay.values()].sort((a, b) =>
            a.day === b.day ? (a.channelId < b.channelId ? -1 : 1) : a.day < b.day ? -1 : 1,
          );
          const upsert =
            this.sql.dialect === 'mysql'
              ? 'on duplicate key update messages = messages + values(messages)'
              : 'on conflict (day, channel_id) do update set messages = messages + excluded.messages';
          statements.push({
            sql: `insert into channel_message_days (day, channel_id, messages) values ${days.map(() => '(?, ?, ?)').join(', ')} ${upsert}`,
            params: days.flatMap((d) => [d.day, d.channelId, d.messages]),
          });
        }
        await step(statements, { commit: true });
      });
      return true;
    } catch (error) {
      // Another instance rolled up one of these hours first, or holds rows this one needs: it is left to them (or
      // to the next request).
      if (
        error instanceof UniqueConstraintViolationException ||
        error instanceof DeadlockException ||
        error instanceof LockWaitTimeoutException
      ) {
        return false;
      }
      throw error;
    }
  }

  /** The `limit` channels with the most messages on days from `fromDay` on, and the totals of `alsoIds` too. */
  async channelTotals(fromDay: string, limit: number, alsoIds: string[]): Promise<Map<string, number>> {
    const top = await this.sql.rows<{ channel_id: string; n: number | string }>(
      `select channel_id, sum(messages) as n from channel_message_days where day >= ?
       group by channel_id order by n desc, channel_id limit ?`,
      [fromDay, limit],
    );
    const also =
      alsoIds.length === 0
        ? []
        : await this.sql.rows<{ channel_id: string; n: number | string }>(
            `select channel_id, sum(messages) as n from channel_message_days
             where day >= ? and channel_id in (${alsoIds.map(() => '?').join(', ')}) group by channel_id`,
            [fromDay, ...alsoIds],
          );
    return new Map([...top, ...also].map((r) => [r.channel_id, Number(r.n)]));
  }

  /** The channels of these ids that still exist, with their names and kinds. */
  async channels(ids: string[]): Promise<Map<string, { name: string; kind: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.rows<{ id: string; name: string; kind: string }>(
      `select id, name, kind from channels where id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, { name: r.name, kind: r.kind }]));
  }

  /** Every pass created at or after `since`, through its `created_at` index. */
  async passSales(since: Date): Promise<PassSale[]> {
    const rows = await this.sql.rows<{
      tier: string;
      created_at: Date | number | string;
      amount: number | null;
      currency: string | null;
    }>('select tier, created_at, amount, currency from passes where created_at >= ?', [this.sql.date(since)]);
    return rows.map((r) => ({
      tier: r.tier,
      createdAt: dateColumn(r.created_at),
      amount: r.amount === null ? null : Number(r.amount),
      currency: r.currency,
    }));
  }

  /** When the oldest message or change that the broker has not yet acknowledged was stored; null when none waits. */
  async oldestUnpublished(): Promise<Date | null> {
    const rows = await this.sql.rows<{ oldest: Date | number | string | null }>(
      `select min(created_at) as oldest from messages where published_at is null
       union all select min(created_at) as oldest from message_changes where published_at is null`,
      [],
    );
    const times = rows.filter((r) => r.oldest !== null).map((r) => dateColumn(r.oldest!).getTime());
    return times.length === 0 ? null : new Date(Math.min(...times));
  }
}

const hourCounts = (rows: unknown[]): HourCount[] =>
  (rows as { hour: number | string; channel_id: string; n: number | string }[]).map((r) => ({
    hour: Number(r.hour),
    channelId: r.channel_id,
    messages: Number(r.n),
  }));
