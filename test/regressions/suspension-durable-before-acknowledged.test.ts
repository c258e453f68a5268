/**
 * Regression (review): the admin API answered 200 to a suspension while the state file was
 * written only about 100 ms later, on a debounced store event, so a crash or a store loss in
 * that window lost an acknowledged suspension. Now a suspension, resumption or revocation is
 * acknowledged only once the state file holds it (written and fsynced); when it cannot be
 * written, the change is in force but the operator gets a 503, never a silent 200; a state file
 * that cannot be written stops the start.
 */
import t, { type Test } from 'tap';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryStore } from '../../src/store/index.js';
import { manualClock } from '../../src/clock.js';
import { agentDoc, buildTestBroker, NOW, policyWithOperator, type PolicyDoc } from '../helpers/broker.js';

const { policy, admin } = policyWithOperator('root@example.com', 'admin', 'root-key');

type StateDoc = { agents: Array<{ agentId: string; suspended: { reason: string } | null; revokedBeforeMs: number | null }> };
const held = (path: string, agentId = 'ticket-summarizer') =>
  (JSON.parse(readFileSync(path, 'utf8')) as StateDoc).agents.find((r) => r.agentId === agentId);

async function brokerWithStateFile(t: Test, stateFile: string, policyDoc: PolicyDoc = policy) {
  const b = await buildTestBroker({ policy: policyDoc, env: { STS_STATE_FILE: stateFile } });
  t.teardown(b.close);
  const post = (url: string, payload: Record<string, unknown>) => b.app.inject({ method: 'POST', url, headers: admin, payload });
  return { b, post };
}

t.test('the state file holds a suspension when the admin API acknowledges it, and a fresh broker refuses the agent', async (t) => {
  const dir = t.testdir();
  const stateFile = join(dir, 'controls.json');
  const { b, post } = await brokerWithStateFile(t, stateFile);

  const res = await post('/admin/agents/ticket-summarizer/suspend', { reason: 'incident 42' });
  t.equal(res.statusCode, 200, res.body);
  // A crash right after the 200: whatever is on disk now is all a restart gets.
  const afterCrash = join(dir, 'after-crash.json');
  copyFileSync(stateFile, afterCrash);
  t.match(held(afterCrash), { suspended: { reason: 'incident 42' } }, 'already on disk when the 200 is sent');

  // Every instance restarted with the store lost (the embedded store keeps nothing).
  await b.close();
  const fresh = await buildTestBroker({ policy, env: { STS_STATE_FILE: afterCrash } });
  t.teardown(fresh.close);
  const refused = await fresh.exchange(await fresh.attest());
  t.equal(refused.statusCode, 400, refused.body);
  t.match(refused.json().error_description, /suspended/);
  t.match((await fresh.store.getAgentControl('ticket-summarizer')).suspended, { reason: 'incident 42' }, 'written back into the new store');
});

t.test('a resumption and a revocation are on disk when acknowledged too', async (t) => {
  const stateFile = join(t.testdir(), 'controls.json');
  const { post } = await brokerWithStateFile(t, stateFile);
  t.equal((await post('/admin/agents/ticket-summarizer/suspend', { reason: 'incident 42' })).statusCode, 200);
  t.equal((await post('/admin/agents/ticket-summarizer/resume', { reason: 'resolved' })).statusCode, 200);
  t.equal(held(stateFile)?.suspended, null, 'the resumption is on disk');
  const revoked = await post('/admin/agents/ticket-summarizer/revoke', { reason: 'key leaked' });
  t.equal(revoked.statusCode, 200, revoked.body);
  t.match(held(stateFile), { suspended: { reason: 'key leaked' }, revokedBeforeMs: Date.parse(revoked.json().tokens_revoked_before as string) });
});

t.test('a state file that cannot be written: the change is in force, but never acknowledged as kept', async (t) => {
  const dir = join(t.testdir(), 'state');
  mkdirSync(dir);
  const stateFile = join(dir, 'controls.json');
  const { b, post } = await brokerWithStateFile(t, stateFile);
  // The volume goes away under the running broker (the tests run as root: no chmod would stop a write).
  rmSync(dir, { recursive: true });

  const res = await post('/admin/agents/ticket-summarizer/suspend', { reason: 'incident 42' });
  t.equal(res.statusCode, 503, res.body);
  t.equal(res.json().error, 'temporarily_unavailable');
  t.match(res.json().error_description, /in force but could not be saved/);
  t.match(b.auditLines.at(-1), { event: 'agent_suspended', outcome: 'applied', kept: false, reason: 'incident 42' });
  t.equal((await b.exchange(await b.attest())).statusCode, 400, 'the suspension is in force all the same');

  const revoked = await post('/admin/agents/ticket-summarizer/revoke', { reason: 'key leaked' });
  t.equal(revoked.statusCode, 503, 'a revocation neither');
  t.not((await b.store.getAgentControl('ticket-summarizer')).revokedBeforeMs, null, 'its tokens are revoked all the same');
  const resumed = await post('/admin/agents/ticket-summarizer/resume', { reason: 'resolved' });
  t.equal(resumed.statusCode, 503, 'a resumption neither');

  mkdirSync(dir);
  const again = await post('/admin/agents/ticket-summarizer/suspend', { reason: 'incident 42' });
  t.equal(again.statusCode, 200, 'repeating the action once the file can be written saves it');
  t.match(held(stateFile), { suspended: { reason: 'incident 42' } });
  t.notOk('kept' in (b.auditLines.at(-1) ?? {}), 'and is audited as kept');
});

t.test('a suspension by the anomaly detector that cannot be saved is still audited and told', async (t) => {
  const dir = join(t.testdir(), 'state');
  mkdirSync(dir);
  const doc = { ...policy, agents: [agentDoc('ticket-summarizer')] } as PolicyDoc;
  const tiers = doc.tiers as Record<string, Record<string, unknown>>;
  tiers['read-only'] = { ...tiers['read-only'], anomalies: { out_of_scope: { action: 'suspend', after: 1, within: '10m' } } };
  const { b } = await brokerWithStateFile(t, join(dir, 'controls.json'), doc);
  rmSync(dir, { recursive: true });

  t.equal((await b.exchange(await b.attest(), { scope: 'tickets:write' })).json().error, 'invalid_scope');
  await b.flush();
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended?.by, 'anomaly-detector');
  t.match(b.auditLines.find((l) => l.event === 'agent_suspended'), { by: 'anomaly-detector', kept: false });
});

t.test('a broker whose state file cannot be written does not start', async (t) => {
  const store = createMemoryStore({ clock: manualClock(NOW) });
  t.teardown(() => store.close());
  await t.rejects(
    buildTestBroker({ policy, store, env: { STS_STATE_FILE: join(t.testdir(), 'missing', 'controls.json') } }),
    /STS_STATE_FILE: cannot write/,
  );
});
