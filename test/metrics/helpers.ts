import { Registry } from 'prom-client';
import { createMetrics, type Metrics, type MetricsSources } from '../../src/metrics/index.js';
import { manualClock } from '../../src/clock.js';
import type { PolicyHolder } from '../../src/context.js';
import { NOW_MS } from './policy-fixture.js';

export function testMetrics(policy: PolicyHolder, sources: Partial<MetricsSources> = {}, nowMs = NOW_MS): Metrics {
  return createMetrics({
    registry: new Registry(),
    policy,
    clock: manualClock(nowMs),
    sources: {
      keyAgeSeconds: () => 0,
      shadowCount: async () => 0,
      suspendedAgents: async () => new Set(),
      storeUp: () => true,
      ...sources,
    },
  });
}

/** One sample's value by metric name and exact labels (undefined when absent). */
export async function sample(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  const want = Object.entries(labels);
  const found = values.find((v) => {
    const got = Object.entries(v.labels).filter(([, value]) => value !== undefined);
    return got.length === want.length && want.every(([k, val]) => String(v.labels[k]) === val);
  });
  return found?.value;
}
