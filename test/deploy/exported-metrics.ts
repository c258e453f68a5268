/**
 * The names a scrape of the broker can contain (from a registry built by createMetrics, as the
 * app builds it), and the metric names a PromQL expression refers to.
 */
import { Registry } from 'prom-client';
import { createMetrics, createSecurityEventMetrics } from '../../src/metrics/index.js';
import { compiled, holder } from '../metrics/policy-fixture.js';

/** Series Prometheus makes itself for every target (not exported by the broker). */
export const PROMETHEUS_SERIES = ['up'];

export async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = createMetrics({
    registry: new Registry(),
    policy: holder(compiled([])),
    clock: () => 0,
    sources: { keyAgeSeconds: () => 0, shadowCount: async () => 0, suspendedAgents: async () => new Set(), storeUp: () => true },
  });
  // The Shared Signals transmitter registers its own on the same registry.
  createSecurityEventMetrics({ registry: metrics.registry, backlogs: async () => [] });
  const names = new Set<string>(PROMETHEUS_SERIES);
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/**
 * Metric names in a PromQL expression: identifiers that are not functions, keywords, label
 * names (inside `{...}` or a grouping clause) or string contents.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    // `sum by (le) (x)` becomes `sum(x)`; `a / on (l) b` becomes `a / b`.
    .replace(/\s*\b(by|without)\s*\([^)]*\)\s*/g, '')
    .replace(/\b(on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const [whole, call] = match;
    const name = whole.replace(/\s*\($/, '');
    if (call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    const before = stripped.slice(0, match.index);
    if (/[0-9.]$/.test(before) || /\$$/.test(before)) continue; // 1e3, $variable
    names.push(name);
  }
  return names;
}
