import t from 'tap';
import { readFileSync } from 'node:fs';
import { exportedMetricNames, metricNamesIn } from './exported-metrics.js';

interface Panel { title: string; type: string; targets?: Array<{ expr: string }>; panels?: Panel[] }

const dashboard = JSON.parse(readFileSync('deploy/grafana/agent-sts-dashboard.json', 'utf8')) as {
  uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; query?: unknown }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exprs = panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })));

t.test('the dashboard parses and has queries', async (t) => {
  t.equal(dashboard.uid, 'agent-sts');
  t.ok(exprs.length >= 15);
});

t.test('every dashboard query names only exported metrics', async (t) => {
  const exported = await exportedMetricNames();
  for (const { panel, expr } of exprs) {
    const used = metricNamesIn(expr);
    t.ok(used.length > 0, `${panel} names a metric`);
    for (const name of used) t.ok(exported.has(name), `${panel}: ${name} is exported`);
  }
});

t.test('the dashboard shows what the issue asks for', async (t) => {
  const all = exprs.map((e) => e.expr).join('\n');
  for (const name of ['sts_token_requests_total', 'sts_token_request_duration_seconds_bucket', 'sts_tokens_issued_total',
    'sts_agent_state', 'sts_shadow_agents', 'sts_anomalies_total', 'sts_signing_key_age_seconds', 'sts_store_up',
    'sts_store_latency_seconds_bucket', 'process_cpu_seconds_total', 'process_resident_memory_bytes',
    'sts_agent_flag', 'sts_issuer_keys_up', 'sts_policy_reloads_total',
    'sts_security_events_emitted_total', 'sts_security_events_failed_total', 'sts_security_event_backlog', 'sts_security_event_delivery_lag_seconds_bucket']) {
    t.ok(all.includes(name), name);
  }
  t.match(all, /histogram_quantile\(0\.5,/);
  t.match(all, /histogram_quantile\(0\.99,/);
});

t.test('every query is filtered by the job and namespace variables', async (t) => {
  const variables = dashboard.templating.list.map((v) => v.name);
  for (const name of ['datasource', 'job', 'namespace']) t.ok(variables.includes(name), `$${name} variable`);
  for (const { panel, expr } of exprs) {
    const selectors = [...expr.matchAll(/\b(?:sts|process)_[a-z0-9_]+(\{[^}]*\})?/g)];
    t.ok(selectors.length > 0, panel);
    for (const [whole, labels] of selectors) {
      t.match(labels ?? '', /job=~"\$job"/, `${panel}: ${whole} filtered by job`);
      t.match(labels ?? '', /namespace=~"\$namespace"/, `${panel}: ${whole} filtered by namespace`);
    }
  }
});
