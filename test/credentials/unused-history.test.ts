/**
 * "Unused for N days" only where the store's history reaches back N days: a new deployment, a
 * Redis restarted empty or the embedded store after a restart has seen no agent yet, and must
 * not report every agent unused (an operator would retire agents that are in use).
 */
import t, { type Test } from 'tap';
import { agentDoc, basePolicy, buildTestBroker, NOW, policyWithOperator } from '../helpers/broker.js';

const DAY = 86_400_000;
const ISO_NOW = new Date(NOW).toISOString();

interface Report {
  activity_since: string | null;
  note: string | null;
  agents: Array<{ agent: string; findings: Array<{ code: string; method?: number; message: string }> }>;
}

async function broker(t: Test) {
  const { policy, admin } = policyWithOperator('ann@example.com', 'auditor', 'auditor-key');
  policy.agents = [agentDoc('ticket-summarizer'), agentDoc('never-seen'), agentDoc('long-idle'), agentDoc('recent')];
  const b = await buildTestBroker({ policy, now: NOW });
  t.teardown(b.close);
  const get = async (query = '') => {
    const res = await b.app.inject({ url: `/admin/credentials${query}`, headers: admin });
    if (res.statusCode !== 200) t.fail(res.body);
    return res;
  };
  const report = async (query = '') => (await get(query)).json() as Report;
  return { b, get, report };
}

const unused = (report: Report, id: string) =>
  report.agents.find((a) => a.agent === id)?.findings.filter((f) => f.code === 'method_unused').map((f) => f.method);

t.test('a fresh store: no agent is unused for never having been seen, and the report says why', async (t) => {
  const { get, report } = await broker(t);
  const fresh = await report();
  for (const id of ['ticket-summarizer', 'never-seen', 'long-idle', 'recent']) t.same(unused(fresh, id), [], `${id}: not flagged`);
  t.equal(fresh.activity_since, ISO_NOW, 'the store\'s epoch');
  t.match(fresh.note, new RegExp(`only since ${ISO_NOW.replace(/\./g, '\\.')}, less than 30 days: an agent never seen is not reported unused`));
  const csv = (await get('?format=csv')).body.split('\r\n');
  t.match(csv[0], /,activity_since$/);
  t.ok(csv.slice(1, -1).every((line) => line.endsWith(`,${ISO_NOW}`)), 'every record says how far activity reaches');
});

t.test('a store older than N days: never seen and long idle are unused, recently seen is not', async (t) => {
  const { b, report } = await broker(t);
  await b.store.recordActivity({ agentId: 'long-idle', atMs: b.clock(), outcome: 'issued' });
  b.clock.advance(40 * DAY);
  await b.store.recordActivity({ agentId: 'recent', atMs: b.clock() - DAY, outcome: 'issued' });
  const old = await report();
  t.same(unused(old, 'never-seen'), [0, 1]);
  t.match(old.agents.find((a) => a.agent === 'never-seen')?.findings.find((f) => f.code === 'method_unused'), { message: /not asked for a token in 30 days/ });
  t.same(unused(old, 'long-idle'), [0, 1], 'last seen 40 days ago');
  t.same(unused(old, 'recent'), [], 'seen yesterday');
  t.equal(old.activity_since, ISO_NOW);
  t.equal(old.note, null, 'the history covers the 30 days');
  const longer = await report('?unused_days=60');
  t.same(unused(longer, 'never-seen'), [], 'asked about 60 days of a 40-day history');
  t.same(unused(longer, 'long-idle'), [], 'seen 40 days ago: within 60');
  t.match(longer.note, /less than 60 days/);
});

t.test('beyond the store\'s retention of last seen, never seen says nothing either', async (t) => {
  const { b, report } = await broker(t);
  await b.store.recordActivity({ agentId: 'long-idle', atMs: b.clock(), outcome: 'issued' });
  b.clock.advance(200 * DAY);
  const far = await report('?unused_days=120');
  const kept = new Date(b.clock() - 90 * DAY).toISOString();
  t.equal(far.activity_since, kept, 'a last seen is kept 90 days (Redis expires it)');
  t.same(unused(far, 'never-seen'), [], 'it may have been seen 100 days ago and forgotten');
  t.same(unused(far, 'long-idle'), [0, 1], 'a last seen 200 days ago that is still known');
  t.match(far.note, /less than 120 days/);
  t.same(unused(await report(), 'never-seen'), [0, 1], 'the default 30 days are within the retention');
});
