import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metric, register } from 'prom-client';
import { parse } from 'yaml';
// Every file that defines a shop_* metric, as the running app loads them.
import './platform/observability/messaging-metrics';
import './platform/observability/operations-metrics';
import './modules/orders/infrastructure/saga-metrics';

const ops = (path: string) => readFileSync(join(__dirname, '..', 'ops', path), 'utf8');

const alerts: { alert: string; expr: string }[] = parse(ops('prometheus/alerts.yml')).groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules);
const panels: { title: string; targets?: { expr: string }[] }[] = JSON.parse(ops('grafana/dashboards/shop.json')).panels;
const queries: [string, string][] = [
  ...alerts.map((a): [string, string] => [`alert ${a.alert}`, a.expr]),
  ...panels.flatMap((p) => (p.targets ?? []).map((t): [string, string] => [`panel "${p.title}"`, t.expr])),
];

/** The registered metric a series name belongs to (a histogram's _bucket, _sum and _count are its own). */
function metricOf(series: string): Metric | undefined {
  const direct = register.getSingleMetric(series);
  if (direct) return direct;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return register.getSingleMetric(base)?.constructor.name === 'Histogram' ? register.getSingleMetric(base) : undefined;
}

/** Labels Prometheus adds to every series it scrapes (prometheus.yml adds `deployment`). */
const TARGET_LABELS = ['instance', 'job', 'deployment'];
const labelsOf = (metric: Metric) => [...((metric as unknown as { labelNames: string[] }).labelNames ?? []), 'le', ...TARGET_LABELS];
/** Series Prometheus writes itself for each target: `up` is 0 when a scrape fails. */
const SCRAPE_SERIES = /\bup\{/;

describe('alert rules and dashboard against the app\'s metrics', () => {
  it('given the files, finds alerts for each thing an operator must hear about, and panels', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['ShopDown', 'ShopOutboxOldestUnpublishedTooOld', 'ShopConsumerLagGrowing', 'ShopDeadLetters', 'ShopSagaCancellationRatioHigh', 'ShopPlaceToFinalP99Slow']),
    );
    expect(queries.length).toBeGreaterThan(alerts.length + 10);
  });

  it.each(queries)('%s names only metrics, and labels, that the app registers', (_where, expr) => {
    const names = [...new Set(expr.match(/\bshop_[a-z0-9_]+/g) ?? [])];
    expect(names.length > 0 || SCRAPE_SERIES.test(expr)).toBe(true);
    const metrics = names.map((name) => [name, metricOf(name)] as const);
    expect(metrics.filter(([, metric]) => !metric).map(([name]) => name)).toEqual([]);
    const known = new Set([...TARGET_LABELS, ...metrics.flatMap(([, metric]) => labelsOf(metric!))]);
    const used = [
      ...[...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',')),
      ...[...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/([a-z_]+)\s*[!=]~?/g)].map((l) => l[1])),
    ].map((label) => label.trim());
    expect(used.filter((label) => label && !known.has(label))).toEqual([]);
    const jobs = parse(ops('prometheus/prometheus.yml')).scrape_configs.map((c: { job_name: string }) => c.job_name);
    for (const [, job] of expr.matchAll(/\bjob\s*=\s*"([^"]*)"/g)) expect(jobs).toContain(job);
  });
});
