import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../src/metrics';

interface Target {
  expr?: string;
  datasource?: unknown;
}
interface Panel {
  type: string;
  title?: string;
  description?: string;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}

/** Names of the metrics a PromQL expression reads (the server's and prom-client's default ones). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:chat|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
}

describe('deploy/grafana/chat-dashboard.json', () => {
  const dashboard = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'deploy', 'grafana', 'chat-dashboard.json'), 'utf8'),
  );
  const datasource = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
  // Rows are headers; the panels under a collapsed row are kept in the row itself.
  const all: Panel[] = (dashboard.panels as Panel[]).flatMap((p) => [p, ...(p.panels ?? [])]);
  const rows = all.filter((p) => p.type === 'row');
  const panels = all.filter((p) => p.type !== 'row');
  const targets = panels.flatMap((p) => p.targets ?? []);

  /** What the server exports: name → type (counter, gauge, histogram, summary). */
  let exported: Map<string, string>;
  beforeAll(async () => {
    const metrics = new Metrics();
    exported = new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
  });

  /** The exported metric a name in an expression reads: a histogram's or summary's series name its metric. */
  function resolve(name: string): string {
    const series = /^(.+)_(?:bucket|sum|count)$/.exec(name);
    if (!exported.has(name) && series && ['histogram', 'summary'].includes(exported.get(series[1]) ?? '')) {
      return series[1];
    }
    return name;
  }
  const used = () => new Set(targets.flatMap((t) => metricNames(t.expr ?? '')).map(resolve));

  it('is importable: schema 39, a Prometheus input, an instance variable', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    const instance = dashboard.templating.list.find((v: { name: string }) => v.name === 'instance');
    expect(instance).toMatchObject({ type: 'query', multi: true, includeAll: true, datasource });
    expect(instance.definition).toBe('label_values(chat_websocket_connections, instance)');
    expect(instance.query.query).toBe(instance.definition);
    for (const name of metricNames(instance.definition)) expect(exported.has(name)).toBe(true);
  });

  it('has panels with queries, each panel and query on the Prometheus input', () => {
    expect(panels.length).toBeGreaterThanOrEqual(11);
    for (const row of rows) expect(row.targets ?? []).toEqual([]);
    for (const panel of panels) {
      expect({ title: panel.title, datasource: panel.datasource }).toEqual({ title: panel.title, datasource });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect({ title: panel.title, datasource: target.datasource }).toEqual({ title: panel.title, datasource });
        expect(metricNames(target.expr ?? '').length).toBeGreaterThan(0);
      }
    }
  });

  it('describes every panel', () => {
    const undescribed = panels.filter((p) => typeof p.description !== 'string' || !p.description.trim());
    expect(undescribed.map((p) => p.title)).toEqual([]);
  });

  it('reads only metrics the server exports', () => {
    expect([...used()].filter((name) => !exported.has(name))).toEqual([]);
  });

  it("shows every one of the server's own chat_* metrics", () => {
    const shown = used();
    const chat = [...exported.keys()].filter((name) => name.startsWith('chat_'));
    expect(chat.length).toBeGreaterThan(0);
    expect(chat.filter((name) => !shown.has(name))).toEqual([]);
  });
});
