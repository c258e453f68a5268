import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { createMemoryAnomalyState, detectVolume, volumeThreshold, DEFAULT_DETECTION_SETTINGS } from '../../src/anomaly/index.js';
import { agent, compiled, NOW_MS, tier } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const HOUR = 3_600_000;
const policy = compiled(
  [agent('agent-a'), agent('agent-r', { tier: 'limited' })],
  [tier('standard'), tier('limited', { volume: { action: 'suspend', after: 2, withinMs: HOUR } })],
);
const issued = (atMs: number, agentId = 'agent-a'): ExchangeOutcome => ({
  atMs, grant: 'token_exchange', result: 'issued', agentId, tier: 'standard', intent: 'read-orders', audience: 'https://orders.example',
});

t.test('volume threshold: over 5x the median of the last 24 hours, at least the floor', async (t) => {
  const s = DEFAULT_DETECTION_SETTINGS;
  t.equal(volumeThreshold(new Array(24).fill(0), s), 20, 'a quiet agent needs the floor');
  t.equal(volumeThreshold(new Array(24).fill(2), s), 20);
  t.equal(volumeThreshold(new Array(24).fill(10), s), 51);
  t.equal(volumeThreshold([...new Array(12).fill(0), ...new Array(12).fill(100)], s), 251, 'median of an even count averages the middle');
  const snap = { added: 1, previousHours: new Array(24).fill(10), firstSeenMs: 0, firstEver: false, novel: [] };
  t.equal(detectVolume('a', { ...snap, currentHour: 50 }, s), null);
  t.match(detectVolume('a', { ...snap, currentHour: 51 }, s), { kind: 'volume' });
  t.equal(detectVolume('a', { ...snap, currentHour: 52 }, s), null, 'once per hour');
  t.match(detectVolume('a', { ...snap, currentHour: 60, added: 15 }, s), { kind: 'volume' }, 'a batch that jumps past the threshold');
  t.equal(detectVolume('a', { ...snap, currentHour: 60, added: 9 }, s), null, 'a batch that started past it');
  t.equal(detectVolume('a', { ...snap, currentHour: 50, added: 15 }, s), null, 'a batch that stays below it');
});

t.test('volume: a burst far above the agent baseline is detected once', async (t) => {
  const state = createMemoryAnomalyState();
  const start = NOW_MS - 24 * HOUR;
  for (let h = 0; h < 24; h++) for (let i = 0; i < 4; i++) await state.recordIssued('agent-a', start + h * HOUR + i, { intent: 'read-orders', audience: 'https://orders.example' });
  const h = await buildHarness(policy, { state });
  t.teardown(h.close);
  const hourStart = Math.floor(NOW_MS / HOUR) * HOUR;
  for (let i = 0; i < 20; i++) h.detector.observe(issued(hourStart + i));
  t.equal((await h.settle()).length, 0, 'baseline median 4: 20 is not over 5x');
  for (let i = 20; i < 40; i++) h.detector.observe(issued(hourStart + i));
  const alerts = await h.settle();
  t.equal(alerts.length, 1);
  t.match(alerts[0], { agent: 'agent-a', kind: 'volume', action: 'alert' });
  // The 20 tokens observed together are counted together: the crossing is seen at 40.
  t.match(alerts[0]!.detail, /^40 tokens this hour; baseline median 4\/h/);
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'volume', action: 'alert' }), 1);
  t.match(h.audit, [{ event: 'anomaly_detected', data: { agent: 'agent-a', kind: 'volume' } }]);
});

t.test('volume: a new agent\'s first small burst is below the floor', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  for (let i = 0; i < 19; i++) h.detector.observe(issued(NOW_MS + i));
  t.equal((await h.settle()).length, 0);
  h.detector.observe(issued(NOW_MS + 20));
  t.equal((await h.settle()).length, 1, 'the floor itself is reached');
});

t.test('volume: every rate-limit hit of a verified agent is a detection, and can suspend', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  const limited = (atMs: number, over: Partial<ExchangeOutcome> = {}): ExchangeOutcome =>
    ({ atMs, grant: 'client_credentials', result: 'denied', reason: 'rate_limited', agentId: 'agent-r', ...over });
  h.detector.observe(limited(NOW_MS, { agentId: undefined })); // pre-authentication address limit: no agent
  h.detector.observe(limited(NOW_MS));
  h.detector.observe(limited(NOW_MS + 1000));
  const alerts = await h.settle();
  t.same(alerts.map((a) => [a.agent, a.kind, a.action]), [['agent-r', 'volume', 'alert'], ['agent-r', 'volume', 'suspend']]);
  t.match((await h.store.getAgentControl('agent-r')).suspended, { by: 'anomaly-detector', reason: 'volume: tier rate limit reached' });
});
