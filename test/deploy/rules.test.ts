import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { exportedMetricNames, metricNamesIn } from './exported-metrics.js';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface Group { name: string; rules: Rule[] }

const plain = parse(readFileSync('deploy/prometheus/agent-sts-rules.yaml', 'utf8')) as { groups: Group[] };
const crd = parse(readFileSync('deploy/prometheus/prometheus-rule.yaml', 'utf8')) as {
  apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: Group[] };
};
const rules = (groups: Group[]) => groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, name: r.alert ?? r.record, expr: r.expr.trim(), for: r.for })));

t.test('both rules files parse and carry the same groups, rule names and expressions', async (t) => {
  t.equal(crd.apiVersion, 'monitoring.coreos.com/v1');
  t.equal(crd.kind, 'PrometheusRule');
  t.ok(plain.groups.length > 0);
  t.same(rules(crd.spec.groups), rules(plain.groups));
});

t.test('the rules cover what the issue asks for', async (t) => {
  const names = rules(plain.groups).map((r) => r.name);
  for (const alert of ['StsAnomalyDetected', 'StsAgentsOrphaned', 'StsAgentsReviewOverdue', 'StsShadowAgentsSeen',
    'StsSigningKeyTooOld', 'StsStoreDown', 'StsDenialRatioHigh', 'StsTokenLatencyP99High',
    'StsBrokerDown', 'StsNoBrokerUp', 'StsAgentsReviewDueSoon', 'StsIssuerKeysUnfetchable', 'StsPolicyReloadRefused',
    'StsSecurityEventDeliveryFailing', 'StsSecurityEventBacklogHigh', 'StsSecurityEventsDropped']) {
    t.ok(names.includes(alert), alert);
  }
  for (const rule of plain.groups.flatMap((g) => g.rules)) {
    t.match(rule.labels?.severity, /^(info|warning|critical)$/, `${rule.alert} has a severity`);
    t.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
  }
});

t.test('every metric the rules name is one the broker exports', async (t) => {
  const exported = await exportedMetricNames();
  for (const rule of rules(plain.groups)) {
    const used = metricNamesIn(rule.expr);
    t.ok(used.length > 0, `${rule.name} names a metric`);
    for (const name of used) t.ok(exported.has(name), `${rule.name}: ${name} is exported`);
  }
});

t.test('the metric-name extraction sees through PromQL syntax', async (t) => {
  t.same(metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="b c"}[5m]))) > 0.05'), ['x_bucket']);
  t.same(metricNamesIn('(sum(rate(a_total{result="denied"}[5m])) / sum(rate(a_total[5m])) > 0.25) and sum(b) > 1'), ['a_total', 'a_total', 'b']);
  t.same(metricNamesIn('max(sts_shadow_agents) > 1e3'), ['sts_shadow_agents']);
});

t.test('a misspelt metric would be caught', async (t) => {
  const exported = await exportedMetricNames();
  const [name] = metricNamesIn('sum(rate(sts_token_request_total[5m])) > 0');
  t.equal(name, 'sts_token_request_total');
  t.notOk(exported.has(name!));
  t.ok(exported.has('sts_token_request_duration_seconds_bucket'), 'histograms expand to _bucket');
});

t.test('every label value a rule selects on is one the broker exports', async (t) => {
  const { createMetrics } = await import('../../src/metrics/index.js');
  const { Registry } = await import('prom-client');
  const { compiled, holder } = await import('../metrics/policy-fixture.js');
  const metrics = createMetrics({
    registry: new Registry(), policy: holder(compiled([])), clock: () => 0, defaultMetrics: false,
    sources: { keyAgeSeconds: () => 0, shadowCount: async () => 0, suspendedAgents: async () => new Set(), storeUp: () => true,
      issuerKeys: () => [{ jwks_uri: 'https://k8s.test/jwks', status: 'failing' }] },
  });
  metrics.policyReload('refused');
  metrics.observe({ atMs: 0, grant: 'token_exchange', result: 'denied', reason: 'scope' });
  const scrape = await metrics.registry.metrics();
  const exprs = rules(plain.groups).map((r) => r.expr).join('\n');
  for (const [, metric, label, value] of exprs.matchAll(/(sts_[a-z_]+)\{(\w+)="([^"]+)"\}/g)) {
    t.match(scrape, new RegExp(`${metric}\\{[^}]*${label}="${value}"`), `${metric}{${label}="${value}"} is a series the broker exports`);
  }
});
