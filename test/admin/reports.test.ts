/** POST /admin/explain and GET /admin/credentials on the live policy and store. */
import t from 'tap';
import { buildHarness, DAY } from './helpers.js';

t.test('explain: the live decision, with the store\'s suspension, without minting', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const explain = (body: object, role: 'auditor' | 'operator' = 'auditor') =>
    h.app.inject({ method: 'POST', url: '/admin/explain', headers: h.as(role), payload: body });
  const issued = await explain({ agent: 'healthy', audience: 'https://tickets.test', intent: 'read-tickets', scope: 'tickets:read' });
  t.equal(issued.statusCode, 200);
  t.match(issued.json(), { decision: 'issue', grant: { intent: 'read-tickets', scopes: ['tickets:read'], ttl_seconds: 900 }, suspension_unknown: false });
  t.equal(issued.headers['cache-control'], 'no-store');
  const events = h.auditLines.map((l) => l.event);
  t.notOk(events.includes('token_issued'), 'nothing minted');
  const withProof = await explain({ agent: 'healthy', audience: 'https://tickets.test', intent: 'read-tickets', dpop: true });
  t.match(withProof.json().steps, [{ step: 'agent' }, { step: 'sender_constraint', outcome: 'pass', detail: /bound to the DPoP proof's key/ }]);
  t.equal((await explain({ agent: 'healthy', audience: 'https://tickets.test', dpop: 'yes' })).statusCode, 400, 'dpop is a boolean');
  const forPerson = await explain({ agent: 'healthy', audience: 'https://tickets.test', intent: 'read-tickets', on_behalf_of: { scope: 'mail:read', expires_in: 60 } });
  t.match(forPerson.json(), { decision: 'refuse', error: 'invalid_request', reason: 'delegation', description: /may not be used on behalf of/ }, 'a delegated request, explained: the intent forbids it');
  t.match(forPerson.json().steps.find((s: { step: string }) => s.step === 'delegation'), { outcome: 'pass', detail: /may delegate: mail:read/ });
  t.equal((await explain({ agent: 'healthy', audience: 'x', on_behalf_of: { depth: 2 } })).statusCode, 400, 'a person needs their scopes');

  await h.store.suspendAgent('healthy', { atMs: h.clock(), by: 'carol', reason: 'investigating' });
  const suspended = await explain({ agent: 'healthy', audience: 'https://tickets.test' });
  t.match(suspended.json(), { decision: 'refuse', reason: 'suspended', error: 'invalid_request' });
  t.match(suspended.json().steps.find((s: { step: string }) => s.step === 'suspended'), { outcome: 'fail', detail: /carol.*investigating/ });

  const orphan = await explain({ agent: 'orphan', audience: 'https://tickets.test', grant: 'client_credentials' });
  t.match(orphan.json(), { decision: 'refuse', reason: 'orphaned', error: 'unauthorized_client' });
  const later = await explain({ agent: 'tickets-rs', audience: 'https://sts.test', at: '2027-06-01' });
  t.match(later.json(), { decision: 'refuse', reason: 'review_overdue', at: '2027-06-01T00:00:00.000Z' });
  t.equal((await explain({ agent: 'healthy', audience: 'x', at: 'tomorrow' })).statusCode, 400);
  t.equal((await explain({ agent: 'healthy' })).statusCode, 400, 'audience is required');
  t.match((await explain({ agent: 'nobody', audience: 'x' })).json(), { decision: 'refuse', reason: 'no_agent' });
  t.equal((await h.app.inject({ method: 'POST', url: '/admin/explain', payload: { agent: 'healthy', audience: 'x' } })).statusCode, 401);
});

t.test('credentials: JSON and CSV for auditors, with the store\'s usage', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const fresh = (await h.app.inject({ url: '/admin/credentials', headers: h.as('auditor') })).json();
  t.notOk(fresh.agents.some((a: { findings: Array<{ code: string }> }) => a.findings.some((f) => f.code === 'method_unused')),
    'a store that has seen no one for 30 days yet calls no one unused');
  t.match(fresh.note, /only since/);
  // The store's activity now reaches back past the 30 days.
  h.clock.advance(31 * DAY);
  await h.store.recordActivity({ agentId: 'healthy', atMs: h.clock() - 1000, outcome: 'issued' });
  const res = await h.app.inject({ url: '/admin/credentials', headers: h.as('auditor') });
  t.equal(res.statusCode, 200);
  const report = res.json();
  t.match(report, { live: true, unused_days: 30 });
  const healthy = report.agents.find((a: { agent: string }) => a.agent === 'healthy');
  t.match(healthy.methods, [{ kind: 'issuer', issuer: 'https://k8s.test', subject: 'system:serviceaccount:agents:healthy' }]);
  const idle = report.agents.find((a: { agent: string }) => a.agent === 'orphan');
  t.match(idle.findings, [{ code: 'method_unused', severity: 'low', message: /30 days/ }], 'never seen: unused');
  t.notOk(healthy.findings.some((f: { code: string }) => f.code === 'method_unused'), 'seen a second ago');
  t.notOk(report.agents.some((a: { agent: string }) => a.agent === 'old'), 'retired agents are not audited');

  const csv = await h.app.inject({ url: '/admin/credentials?format=csv&unused_days=7', headers: h.as('auditor') });
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.match(csv.headers['content-disposition'], /credentials\.csv/);
  t.match(csv.body, /^agent,owner,tier,method,/);
  const accept = await h.app.inject({ url: '/admin/credentials', headers: { ...h.as('auditor'), accept: 'text/csv' } });
  t.match(accept.headers['content-type'], /^text\/csv/);
  t.equal((await h.app.inject({ url: '/admin/credentials?unused_days=0', headers: h.as('auditor') })).statusCode, 400);
  t.equal((await h.app.inject({ url: '/admin/credentials' })).statusCode, 401);
});
