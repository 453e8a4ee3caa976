import type { MikroORM } from '@mikro-orm/core';
import { type Tier } from '../entities';
import type { Viewer } from './auth.service';
import type { Clock } from './clock';
import type { ModerationService } from './moderation.service';
import { dayOfHour, HOUR_MS, StatsStore, type HourCount } from './store/stats.store';

/** The operations page's windows. */
export const STATS_RULES = {
  /** Daily charts: today and the 29 days before (UTC). */
  days: 30,
  /** The hourly chart: this hour and the 47 before. */
  hours: 48,
  /** The busiest channels: by messages over today and the 6 days before. */
  busiestDays: 7,
  busiest: 10,
  /** An hour is rolled up once it ended this long ago: a message stored at its end has committed by then. */
  graceMs: 5 * 60_000,
  /** Hours rolled up in one transaction. */
  hoursPerRollUp: 24,
} as const;

export interface DayCount {
  day: string;
  count: number;
}

export interface HourCountView {
  hour: Date;
  count: number;
}

export interface ChannelActivity {
  channelId: string;
  /** Null once the channel is deleted (its counts stay). */
  name: string | null;
  kind: string | null;
  messages: number;
}

export interface PassSales {
  day: string;
  tier: Tier;
  passes: number;
  /** In the currency's smallest unit; passes granted without a checkout add nothing. */
  revenue: number;
  currency: string | null;
}

/** What this instance holds now. */
export interface InstanceLoad {
  sockets: number;
  subscriptions: number;
}

export interface AdminStatsView {
  generatedAt: Date;
  dailyActiveUsers: DayCount[];
  messagesPerDay: DayCount[];
  messagesPerHour: HourCountView[];
  busiestChannels: ChannelActivity[];
  sockets: number;
  subscriptions: number;
  relayLagSeconds: number;
  passSales: PassSales[];
}

/**
 * The operations page's figures (admins only). Message counts come from pre-aggregated rows: each closed hour is
 * rolled up once (by whichever instance asks first) into one `message_hours` row and its channels' `channel_message_days`
 * rows; only the hours not yet rolled up (normally this one and the last) are counted from `messages`, through an
 * index. So a request reads about 720 hour rows, a week of channel-day rows, two hours of index entries, a month of
 * active-user rows and passes, whatever the size of `messages` (bench/: `npm run bench:admin-stats`).
 */
export class AdminStatsService {
  private readonly store: StatsStore;

  constructor(
    orm: MikroORM,
    private readonly clock: Clock,
    private readonly moderation: Pick<ModerationService, 'requireAdmin'>,
    private readonly load: () => Promise<InstanceLoad>,
  ) {
    this.store = new StatsStore(orm);
  }

  /** @throws DomainError FORBIDDEN unless the viewer is an admin. */
  async stats(viewer: Viewer): Promise<AdminStatsView> {
    this.moderation.requireAdmin(viewer);
    const now = this.clock();
    const thisHour = Math.floor(now.getTime() / HOUR_MS);
    const firstHour = (Math.floor(thisHour / 24) - (STATS_RULES.days - 1)) * 24;
    const closedBefore = Math.floor((now.getTime() - STATS_RULES.graceMs) / HOUR_MS);
    await this.rollUp(firstHour, closedBefore);

    // Every hour of the window: rolled up, or counted now (normally only the newest one or two).
    const rolled = await this.store.rolledUp(firstHour, thisHour + 1);
    const firstMissing = range(firstHour, thisHour + 1).find((h) => !rolled.has(h));
    const live: HourCount[] =
      firstMissing === undefined
        ? []
        : (await this.store.count(firstMissing, thisHour + 1)).filter((c) => !rolled.has(c.hour));
    const perHour = new Map(rolled);
    for (const c of live) perHour.set(c.hour, (perHour.get(c.hour) ?? 0) + c.messages);

    const days = range(0, STATS_RULES.days).map((i) => dayOfHour(firstHour + i * 24));
    const perDay = new Map<string, number>();
    for (const [hour, n] of perHour) perDay.set(dayOfHour(hour), (perDay.get(dayOfHour(hour)) ?? 0) + n);
    const active = await this.store.activeUsers(days[0]);
    const [busiestChannels, passSales, oldest, load] = await Promise.all([
      this.busiest(days[days.length - STATS_RULES.busiestDays], live),
      this.passSales(new Date(firstHour * HOUR_MS)),
      this.store.oldestUnpublished(),
      this.load(),
    ]);
    return {
      generatedAt: now,
      dailyActiveUsers: days.map((day) => ({ day, count: active.get(day) ?? 0 })),
      messagesPerDay: days.map((day) => ({ day, count: perDay.get(day) ?? 0 })),
      messagesPerHour: range(thisHour - STATS_RULES.hours + 1, thisHour + 1).map((hour) => ({
        hour: new Date(hour * HOUR_MS),
        count: perHour.get(hour) ?? 0,
      })),
      busiestChannels,
      sockets: load.sockets,
      subscriptions: load.subscriptions,
      relayLagSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
      passSales,
    };
  }

  /** Rolls up the closed hours of [from, to) that are not yet, in runs of consecutive hours. */
  private async rollUp(from: number, to: number): Promise<void> {
    const rolled = await this.store.rolledUp(from, to);
    let run: number[] = [];
    const flush = async () => {
      if (run.length > 0) await this.store.rollUp(run[0], run[run.length - 1] + 1);
      run = [];
    };
    for (const hour of range(from, to)) {
      if (rolled.has(hour)) await flush();
      else {
        run.push(hour);
        if (run.length === STATS_RULES.hoursPerRollUp) await flush();
      }
    }
    await flush();
  }

  /** The busiest channels over the days from `fromDay` on: the rolled-up days' rows plus the hours counted live. */
  private async busiest(fromDay: string, live: HourCount[]): Promise<ChannelActivity[]> {
    const liveByChannel = new Map<string, number>();
    for (const c of live) {
      if (dayOfHour(c.hour) >= fromDay)
        liveByChannel.set(c.channelId, (liveByChannel.get(c.channelId) ?? 0) + c.messages);
    }
    // The top of the stored rows, widened by the live channels, holds the top of the sums.
    const stored = await this.store.channelTotals(fromDay, STATS_RULES.busiest + liveByChannel.size, [
      ...liveByChannel.keys(),
    ]);
    const totals = new Map(stored);
    for (const [id, n] of liveByChannel) totals.set(id, (totals.get(id) ?? 0) + n);
    const top = [...totals]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, STATS_RULES.busiest)
      .filter(([, n]) => n > 0);
    const channels = await this.store.channels(top.map(([id]) => id));
    return top.map(([channelId, messages]) => ({
      channelId,
      name: channels.get(channelId)?.name ?? null,
      kind: channels.get(channelId)?.kind ?? null,
      messages,
    }));
  }

  /** Passes sold and revenue by day and tier, in day order. */
  private async passSales(since: Date): Promise<PassSales[]> {
    const sales = new Map<string, PassSales>();
    for (const sale of await this.store.passSales(since)) {
      const day = sale.createdAt.toISOString().slice(0, 10);
      const key = `${day} ${sale.tier}`;
      const row = sales.get(key) ?? { day, tier: sale.tier as Tier, passes: 0, revenue: 0, currency: null };
      row.passes += 1;
      row.revenue += sale.amount ?? 0;
      row.currency ??= sale.currency;
      sales.set(key, row);
    }
    return [...sales.values()].sort((a, b) => (a.day === b.day ? (a.tier < b.tier ? -1 : 1) : a.day < b.day ? -1 : 1));
  }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
