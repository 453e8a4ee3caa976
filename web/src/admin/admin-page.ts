import type { Chart } from 'chart.js';
import { type ChatClient, ChatError, type Viewer } from '../../../client';
import { AdminStats } from '../../../client/operations';
import type { AdminStatsQuery } from '../../../client/generated/graphql';
import { h } from '../dom';
import { drawChart, type ChartSpec } from './charts';
import { ModerationPanel } from './moderation-panel';

type Stats = AdminStatsQuery['adminStats'];

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const shortDay = (day: string) => day.slice(5);
const TIERS = ['PLUS', 'PRO'] as const;

/** What each chart of the page shows, from one answer of `adminStats`. */
export function chartSpecs(s: Stats): ChartSpec[] {
  const days = s.messagesPerDay.map((d) => d.day);
  const sales = (tier: string, pick: (row: Stats['passSales'][number]) => number) =>
    days.map((day) => sum(s.passSales.filter((p) => p.day === day && p.tier === tier).map(pick)));
  const currency = s.passSales.find((p) => p.currency)?.currency?.toUpperCase() ?? '';
  const revenue = sum(s.passSales.map((p) => p.revenue)) / 100;
  return [
    {
      id: 'active-users',
      title: 'Daily active users, 30 days',
      kind: 'line',
      labels: s.dailyActiveUsers.map((d) => shortDay(d.day)),
      datasets: [{ label: 'users', data: s.dailyActiveUsers.map((d) => d.count) }],
      summary: `${s.dailyActiveUsers.at(-1)?.count ?? 0} today, at most ${Math.max(0, ...s.dailyActiveUsers.map((d) => d.count))} a day`,
    },
    {
      id: 'messages-per-day',
      title: 'Messages per day, 30 days',
      kind: 'bar',
      labels: days.map(shortDay),
      datasets: [{ label: 'messages', data: s.messagesPerDay.map((d) => d.count) }],
      summary: `${sum(s.messagesPerDay.map((d) => d.count))} in 30 days, ${s.messagesPerDay.at(-1)?.count ?? 0} today`,
    },
    {
      id: 'messages-per-hour',
      title: 'Messages per hour, 48 hours',
      kind: 'bar',
      labels: s.messagesPerHour.map((m) => `${new Date(m.hour).getHours()}h`),
      datasets: [{ label: 'messages', data: s.messagesPerHour.map((m) => m.count) }],
      summary: `${sum(s.messagesPerHour.map((m) => m.count))} in 48 hours, ${s.messagesPerHour.at(-1)?.count ?? 0} this hour`,
    },
    {
      id: 'busiest-channels',
      title: 'Busiest channels, 7 days',
      kind: 'bar',
      horizontal: true,
      labels: s.busiestChannels.map((c) => (c.name === null ? '(deleted)' : `#${c.name}`)),
      datasets: [{ label: 'messages', data: s.busiestChannels.map((c) => c.messages) }],
      summary:
        s.busiestChannels.length === 0
          ? 'no messages'
          : s.busiestChannels.map((c) => `#${c.name ?? '(deleted)'} ${c.messages}`).join(', '),
    },
    {
      id: 'passes-sold',
      title: 'Passes sold per day, 30 days',
      kind: 'bar',
      stacked: true,
      labels: days.map(shortDay),
      datasets: TIERS.map((tier) => ({ label: tier, data: sales(tier, (p) => p.passes) })),
      summary: TIERS.map((tier) => `${sum(sales(tier, (p) => p.passes))} ${tier}`).join(', '),
    },
    {
      id: 'revenue',
      title: `Revenue per day${currency ? ` (${currency})` : ''}, 30 days`,
      kind: 'bar',
      stacked: true,
      labels: days.map(shortDay),
      datasets: TIERS.map((tier) => ({ label: tier, data: sales(tier, (p) => p.revenue / 100) })),
      summary: `${revenue.toFixed(2)} ${currency} in 30 days`.trim(),
    },
  ];
}

/**
 * The operations page: how the service is doing now (sockets, subscriptions, relay lag), the charts of the last
 * days, and the moderation panel. Refresh reads everything again.
 */
export class AdminPage {
  readonly element: HTMLElement;
  private charts: Chart[] = [];
  private readonly tiles = h('dl', { class: 'tiles', 'aria-label': 'Now' });
  private readonly chartGrid = h('section', { class: 'charts', 'aria-label': 'Charts' });
  private readonly alert = h('p', { class: 'alert', role: 'alert' });
  private readonly updated = h('span', { class: 'updated' });
  private readonly moderation: ModerationPanel;

  constructor(
    private readonly client: ChatClient,
    viewer: Viewer,
  ) {
    this.moderation = new ModerationPanel(client);
    this.element = h(
      'div',
      { class: 'admin' },
      h(
        'header',
        { class: 'top' },
        h('h1', {}, 'Operations'),
        h('span', { class: 'who' }, viewer.displayName),
        h('a', { href: '/app/' }, 'Chat'),
        h('button', { type: 'button', onclick: () => void this.refresh() }, 'Refresh'),
        h('button', { type: 'button', class: 'quiet', onclick: () => void this.client.logout() }, 'Sign out'),
      ),
      h('main', { class: 'admin-main' }, this.alert, this.updated, this.tiles, this.chartGrid, this.moderation.element),
    );
  }

  /** Reads the figures and the moderation panel again and redraws them; a failure is shown, not thrown. */
  async refresh(): Promise<void> {
    this.alert.textContent = '';
    try {
      const { adminStats } = await this.client.request(AdminStats, {});
      this.draw(adminStats);
      this.updated.textContent = `Updated ${new Date(adminStats.generatedAt).toLocaleTimeString()}`;
    } catch (error) {
      this.alert.textContent = error instanceof ChatError ? error.message : 'The figures could not be read.';
    }
    await this.moderation.refresh();
  }

  destroy(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }

  private draw(stats: Stats): void {
    this.tiles.replaceChildren(
      ...[
        ['Sockets on this instance', String(stats.sockets)],
        ['Subscriptions on this instance', String(stats.subscriptions)],
        ['Relay lag', `${stats.relayLagSeconds.toFixed(1)} s`],
      ].flatMap(([term, value]) => [h('div', {}, h('dt', {}, term), h('dd', {}, value))]),
    );
    this.destroy();
    this.chartGrid.replaceChildren();
    this.charts = chartSpecs(stats).map((spec) => drawChart(this.chartGrid, spec));
    this.chartGrid.dataset.drawn = String(this.charts.length);
  }
}
