import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { createMemoryAnomalyState, type AnomalyState } from '../../src/anomaly/index.js';
import { agent, compiled, NOW_MS } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const policy = compiled([agent('agent-a')]);
const issued: ExchangeOutcome = { atMs: NOW_MS, grant: 'token_exchange', result: 'issued', agentId: 'agent-a', intent: 'read-orders' };

t.test('observe never blocks: a full queue drops and counts', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  const state: AnomalyState = {
    async recordIssued() { await gate; return { currentHour: 1, added: 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: true, novel: [] }; },
    async recordDetection() { return 1; },
    async clearDetections() {},
    async claimVolumeHour() { return true; },
  };
  const h = await buildHarness(policy, { state, settings: { maxQueue: 2, concurrency: 1 } });
  t.teardown(h.close);
  // Five different intents: five groups. One in progress, two queued, two dropped.
  for (let i = 0; i < 5; i++) h.detector.observe({ ...issued, intent: `intent-${i}` });
  const settled = h.detector.flush(); // hands the groups to the lanes now
  t.equal(await sample(h.metrics, 'sts_anomaly_outcomes_dropped_total'), 2);
  release();
  await settled;
  await h.settle();
});

t.test('identical issued tokens are counted in one state call; different values are not merged', async (t) => {
  const calls: Array<{ intent: string | undefined; count: number | undefined }> = [];
  let total = 0;
  const state: AnomalyState = {
    async recordIssued(_agent, _at, values, count) {
      calls.push({ intent: values.intent, count });
      total += count ?? 1;
      return { currentHour: total, added: count ?? 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: false, novel: [] };
    },
    async recordDetection() { return 1; },
    async clearDetections() {},
    async claimVolumeHour() { return true; },
  };
  const h = await buildHarness(policy, { state });
  t.teardown(h.close);
  for (let i = 0; i < 30; i++) h.detector.observe({ ...issued, atMs: NOW_MS + i });
  h.detector.observe({ ...issued, intent: 'other' });
  h.detector.observe({ ...issued, atMs: NOW_MS + 3_600_000 }); // the next hour is its own group
  t.same(calls, [], 'nothing is counted synchronously');
  await h.settle();
  t.same(calls, [{ intent: 'read-orders', count: 30 }, { intent: 'other', count: 1 }, { intent: 'read-orders', count: 1 }]);
});

t.test('held issued tokens are counted within the batch interval without a flush', async (t) => {
  const counted: number[] = [];
  const state: AnomalyState = {
    async recordIssued(_agent, _at, _values, count) {
      counted.push(count ?? 1);
      return { currentHour: 1, added: 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: false, novel: [] };
    },
    async recordDetection() { return 1; },
    async clearDetections() {},
    async claimVolumeHour() { return true; },
  };
  const h = await buildHarness(policy, { state, settings: { batchMs: 10 } });
  t.teardown(h.close);
  h.detector.observe(issued);
  h.detector.observe(issued);
  for (let i = 0; i < 100 && counted.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.same(counted, [2]);
});

t.test('observe never throws: a failing state is logged, later outcomes still processed', async (t) => {
  let fail = true;
  const state: AnomalyState = {
    async recordIssued() {
      if (fail) throw new Error('store down');
      return { currentHour: 1, added: 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: true, novel: [] };
    },
    async recordDetection() { return 1; },
    async clearDetections() {},
    async claimVolumeHour() { return true; },
  };
  const h = await buildHarness(policy, { state });
  t.teardown(h.close);
  t.doesNotThrow(() => h.detector.observe(issued));
  await h.settle();
  t.equal(h.errors.length, 1);
  fail = false;
  h.detector.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'scope', agentId: 'agent-a' });
  t.equal((await h.settle()).length, 1);
});

t.test('an audit trail that cannot write does not stop the detection', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  // The harness's audit sink pushes onto this array: make it throw as a full disk does.
  h.audit.push = () => { throw new Error('disk full'); };
  h.detector.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'scope', agentId: 'agent-a' });
  const alerts = await h.settle();
  t.equal(alerts.length, 1, 'the alert still goes out');
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'out_of_scope', action: 'alert' }), 1);
  t.ok(h.errors.length >= 1, 'the audit failure is logged');
});

t.test('volume is reported once an hour even when late counts move its threshold', async (t) => {
  // Two crossings in one hour: the second because counts that arrived late for the previous
  // hours raised the threshold (another instance's batch, for example).
  const snapshots = [
    { currentHour: 21, added: 21, previousHours: new Array(24).fill(4) }, // threshold 21: crossed
    { currentHour: 41, added: 20, previousHours: new Array(24).fill(8) }, // threshold 41: crossed again
  ];
  const claims = createMemoryAnomalyState();
  const state: AnomalyState = {
    async recordIssued() { return { ...(snapshots.shift() as (typeof snapshots)[number]), firstSeenMs: NOW_MS - 86_400_000, firstEver: false, novel: [] }; },
    async recordDetection() { return 1; },
    async clearDetections() {},
    claimVolumeHour: (agentId, atMs) => claims.claimVolumeHour(agentId, atMs),
  };
  const h = await buildHarness(policy, { state });
  t.teardown(h.close);
  h.detector.observe(issued);
  await h.settle();
  h.detector.observe({ ...issued, atMs: NOW_MS + 1 });
  const alerts = await h.settle();
  t.equal(alerts.filter((a) => a.kind === 'volume').length, 1);
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'volume', action: 'alert' }), 1);
});
