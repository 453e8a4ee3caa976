import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import { h } from '../dom';

// Only the parts the page draws, so the bundle carries no more of Chart.js than that.
Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

/** One chart of the page: a title, the data, and a sentence that says what it shows (for screen readers and tests). */
export interface ChartSpec {
  id: string;
  title: string;
  kind: 'bar' | 'line';
  labels: string[];
  datasets: { label: string; data: number[] }[];
  summary: string;
  /** Bars stacked by dataset (passes by tier). */
  stacked?: boolean;
  /** Bars along the y axis (channel names). */
  horizontal?: boolean;
}

const PALETTE = ['#2f6fde', '#e0803b', '#2e9d6b', '#9b59b6'];

/**
 * Draws a chart in a new figure at the end of `container` (which is in the page, so the chart takes its size). Drawn
 * at once, without animation; `destroy` the chart before dropping its figure.
 */
export function drawChart(container: HTMLElement, spec: ChartSpec): Chart {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${spec.title}: ${spec.summary}` });
  const figure = h(
    'figure',
    { class: 'chart', 'data-chart': spec.id },
    h('figcaption', {}, spec.title),
    h('div', { class: 'chart-box' }, canvas),
    h('p', { class: 'summary' }, spec.summary),
  );
  container.append(figure);
  const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#6b7078';
  const datasets = spec.datasets.map(
    (d, i): ChartDataset<'bar' | 'line'> => ({
      label: d.label,
      data: d.data,
      backgroundColor: PALETTE[i % PALETTE.length],
      borderColor: PALETTE[i % PALETTE.length],
      pointRadius: 2,
    }),
  );
  return new Chart(canvas, {
    type: spec.kind,
    data: { labels: spec.labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: spec.horizontal ? 'y' : 'x',
      plugins: { legend: { display: spec.datasets.length > 1, labels: { color: muted } } },
      scales: {
        x: { stacked: spec.stacked, ticks: { color: muted, maxRotation: 0, autoSkip: true } },
        y: { stacked: spec.stacked, beginAtZero: true, ticks: { color: muted, precision: 0 } },
      },
    },
  });
}
