/** One contract for every AnomalyState implementation (memory and Redis). */
import type { Test } from 'tap';
import { HOUR_MS, SEEN_CAP, type AnomalyState } from '../../src/anomaly/state.js';

type Tap = Test;
const T0 = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;

export function runAnomalyStateContract(t: Tap, name: string, make: (ns: string) => Promise<AnomalyState> | AnomalyState): void {
  let n = 0;
  const fresh = () => make(`${name}-${++n}`);

  t.test(`${name}: counts issued tokens per hour with a 24-hour baseline`, async (t) => {
    const s = await fresh();
    t.equal((await s.recordIssued('a', T0, {})).currentHour, 1);
    t.equal((await s.recordIssued('a', T0 + MIN, {})).currentHour, 2);
    t.equal((await s.recordIssued('b', T0, {})).currentHour, 1, 'agents are counted apart');
    const next = await s.recordIssued('a', T0 + HOUR_MS, {});
    t.equal(next.currentHour, 1, 'a new hour starts at one');
    t.equal(next.previousHours.length, 24);
    t.same(next.previousHours.slice(0, 2), [2, 0], 'most recent hour first, zero where none');
    const later = await s.recordIssued('a', T0 + 3 * HOUR_MS, {});
    t.same(later.previousHours.slice(0, 3), [0, 1, 2]);
    const dayLater = await s.recordIssued('a', T0 + 26 * HOUR_MS, {});
    t.same(dayLater.previousHours.slice(21, 24), [0, 1, 0], 'hours older than the baseline drop out');
    t.equal(dayLater.previousHours.reduce((x, y) => x + y, 0), 1);
  });

  t.test(`${name}: a group of identical uses is counted at once`, async (t) => {
    const s = await fresh();
    const group = await s.recordIssued('a', T0, { intent: 'read' }, 5);
    t.equal(group.currentHour, 5);
    t.equal(group.added, 5);
    t.same(group.novel, ['intent'], 'its values are new once');
    const one = await s.recordIssued('a', T0 + MIN, { intent: 'read' });
    t.equal(one.currentHour, 6);
    t.equal(one.added, 1, 'one by default');
    t.same(one.novel, []);
  });

  t.test(`${name}: remembers when an agent was first seen`, async (t) => {
    const s = await fresh();
    const first = await s.recordIssued('a', T0, {});
    t.ok(first.firstEver);
    t.equal(first.firstSeenMs, T0);
    const second = await s.recordIssued('a', T0 + 5 * MIN, {});
    t.notOk(second.firstEver);
    t.equal(second.firstSeenMs, T0);
  });

  t.test(`${name}: reports values an agent has never used`, async (t) => {
    const s = await fresh();
    const v = { intent: 'read', audience: 'https://api', issuer: 'https://iss', subject: 'https://iss sub-1' };
    t.same((await s.recordIssued('a', T0, v)).novel, ['intent', 'audience', 'issuer', 'subject']);
    t.same((await s.recordIssued('a', T0 + 1, v)).novel, [], 'seen before');
    t.same((await s.recordIssued('a', T0 + 2, { ...v, intent: 'write' })).novel, ['intent']);
    t.same((await s.recordIssued('a', T0 + 3, { audience: 'https://api' })).novel, [], 'absent dimensions are not reported');
    t.same((await s.recordIssued('b', T0, { intent: 'read' })).novel, ['intent'], 'each agent has its own history');
    const long = 'x'.repeat(5000);
    t.same((await s.recordIssued('a', T0 + 4, { subject: long })).novel, ['subject']);
    t.same((await s.recordIssued('a', T0 + 5, { subject: long })).novel, [], 'long values are remembered (hashed)');
  });

  t.test(`${name}: "seen" sets are capped`, async (t) => {
    const s = await fresh();
    for (let i = 0; i < SEEN_CAP; i++) await s.recordIssued('a', T0, { audience: `aud-${i}` });
    t.same((await s.recordIssued('a', T0, { audience: 'one-too-many' })).novel, [], 'past the cap nothing new is recorded');
    t.same((await s.recordIssued('a', T0, { intent: 'other-dimension' })).novel, ['intent']);
  });

  t.test(`${name}: the volume detection of an hour is claimed once`, async (t) => {
    const s = await fresh();
    t.equal(await s.claimVolumeHour('a', T0), true);
    t.equal(await s.claimVolumeHour('a', T0 + MIN), false, 'the same hour');
    t.equal(await s.claimVolumeHour('b', T0), true, 'agents apart');
    t.equal(await s.claimVolumeHour('a', T0 + HOUR_MS), true, 'the next hour');
  });

  t.test(`${name}: counts detections within a sliding window`, async (t) => {
    const s = await fresh();
    const within = 10 * MIN;
    t.equal(await s.recordDetection('a', 'out_of_scope', T0, within), 1);
    t.equal(await s.recordDetection('a', 'out_of_scope', T0 + MIN, within), 2);
    t.equal(await s.recordDetection('a', 'volume', T0 + MIN, within), 1, 'kinds are counted apart');
    t.equal(await s.recordDetection('b', 'out_of_scope', T0 + MIN, within), 1, 'agents are counted apart');
    t.equal(await s.recordDetection('a', 'out_of_scope', T0 + 2 * MIN, within), 3);
    t.equal(await s.recordDetection('a', 'out_of_scope', T0 + 11 * MIN, within), 2, 'older detections leave the window');
    t.equal(await s.recordDetection('a', 'out_of_scope', T0 + 40 * MIN, within), 1);
  });

  t.test(`${name}: spent detections are cleared for one agent and kind`, async (t) => {
    const s = await fresh();
    const within = 10 * MIN;
    await s.recordDetection('a', 'out_of_scope', T0, within);
    await s.recordDetection('a', 'out_of_scope', T0 + 1, within);
    await s.recordDetection('a', 'volume', T0, within);
    await s.recordDetection('b', 'out_of_scope', T0, within);
    await s.clearDetections('a', 'out_of_scope');
    t.equal(await s.recordDetection('a', 'out_of_scope', T0 + 2, within), 1, 'counting starts again');
    t.equal(await s.recordDetection('a', 'volume', T0 + 2, within), 2, 'other kinds are kept');
    t.equal(await s.recordDetection('b', 'out_of_scope', T0 + 2, within), 2, 'other agents are kept');
    await s.clearDetections('nobody', 'volume');
  });
}
