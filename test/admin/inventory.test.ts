import t from 'tap';
import { buildHarness, DAY } from './helpers.js';

t.test('inventory flags computed from the policy and the store, with filters', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  await h.store.recordActivity({ agentId: 'healthy', atMs: h.clock() - 1000, outcome: 'issued' });
  await h.store.recordActivity({ agentId: 'healthy', atMs: h.clock() - 500, outcome: 'denied', reason: 'scope' });
  await h.store.suspendAgent('overdue', { atMs: h.clock(), by: 'carol', reason: 'investigating' });
  const res = await h.app.inject({ url: '/admin/agents', headers: h.as('auditor') });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  const rows = new Map((res.json().agents as Array<Record<string, unknown>>).map((a) => [a.id, a]));
  t.match(rows.get('healthy'), { state: 'active', orphaned: false, review_overdue: false, issued_24h: 1, denied_24h: 1, credential_kinds: ['issuer'], intents: ['read-tickets'] });
  t.equal(rows.get('healthy')?.last_seen_at, new Date(h.clock() - 500).toISOString());
  t.match(rows.get('orphan'), { orphaned: true, state: 'active', blocked_by: 'orphaned' });
  // Suspended is its state; the token path refuses it first for the overdue review (the policy's reasons come first).
  t.match(rows.get('overdue'), { review_overdue: true, state: 'suspended', blocked_by: 'review_overdue', suspension: { by: 'carol', reason: 'investigating' } });
  t.match(rows.get('healthy'), { blocked_by: null });
  t.match(rows.get('unapproved'), { state: 'pending' });
  t.match(rows.get('old'), { state: 'retired' });
  t.equal(rows.get('healthy')?.review_due_at, new Date(Date.parse('2026-10-01') + 90 * DAY).toISOString());

  const ids = async (qs: string) =>
    ((await h.app.inject({ url: `/admin/agents?${qs}`, headers: h.as('auditor') })).json().agents as Array<{ id: string }>).map((a) => a.id).sort();
  t.same(await ids('orphaned=true'), ['orphan']);
  t.same(await ids('review_overdue=true'), ['overdue']);
  t.same(await ids('state=suspended'), ['overdue']);
  t.same(await ids('state=pending'), ['unapproved']);
  t.notOk((await ids('orphaned=false')).includes('orphan'));
  t.same(await ids('refused=false'), ['formula', 'healthy', 'resource-server', 'tickets-rs']);
  t.same(await ids('q=TICKETS-rs'), ['tickets-rs'], 'search is case-insensitive');
  t.same(await ids('owner=team-gone'), ['orphan']);
  t.same(await ids('tier=read-only&state=retired'), ['old']);
  const bad = await h.app.inject({ url: '/admin/agents?state=gone', headers: h.as('auditor') });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error, 'invalid_request');
});

t.test('CSV on request: RFC 4180 and formula-safe', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const viaQuery = await h.app.inject({ url: '/admin/agents?format=csv', headers: h.as('auditor') });
  const viaAccept = await h.app.inject({ url: '/admin/agents', headers: { ...h.as('auditor'), accept: 'text/csv' } });
  for (const res of [viaQuery, viaAccept]) {
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/csv/);
    const lines = res.body.split('\r\n');
    t.match(lines[0], /^id,owner,owner_active,tier,state,blocked_by,orphaned/);
    t.equal(lines.at(-1), '', 'every record ends with CRLF');
    const formula = lines.find((l) => l.startsWith('formula,'));
    t.ok(formula?.includes(`,"'=HYPERLINK(""http://evil"",""x"")",`), 'a formula stays text, quoted per RFC 4180');
  }
});

t.test('one agent with its recent denials; unknown agent is 404', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  await h.store.recordActivity({ agentId: 'healthy', atMs: h.clock() - 100, outcome: 'denied', reason: 'intent' });
  const res = await h.app.inject({ url: '/admin/agents/healthy', headers: h.as('auditor') });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    agent: { id: 'healthy', state: 'active' },
    intents: [{ name: 'read-tickets', audience: 'https://tickets.test', scopes: ['tickets:read'] }],
    attestation: [{ kind: 'issuer', issuer: 'https://k8s.test' }],
    recent_denials: [{ reason: 'intent' }],
  });
  const missing = await h.app.inject({ url: '/admin/agents/nobody', headers: h.as('auditor') });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error, 'not_found');
});

t.test('discovered shadow agents come from the store', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  await h.store.recordShadow({ issuer: 'https://k8s.test', subject: 'system:serviceaccount:x:y', claims: { namespace: 'x' }, atMs: h.clock() - 5000 });
  await h.store.recordShadow({ issuer: 'https://k8s.test', subject: 'system:serviceaccount:x:y', claims: { namespace: 'x' }, atMs: h.clock() });
  const res = await h.app.inject({ url: '/admin/discovered', headers: h.as('auditor') });
  t.equal(res.statusCode, 200);
  t.match(res.json().discovered, [{
    issuer: 'https://k8s.test', subject: 'system:serviceaccount:x:y', attempts: 2, claims: { namespace: 'x' },
    first_seen_at: new Date(h.clock() - 5000).toISOString(), last_seen_at: new Date(h.clock()).toISOString(),
  }]);
});

t.test('audit stream by agent and since', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  h.audit.record('token_issued', { agent: 'healthy', jti: 'j1' });
  h.clock.advance(1000);
  const mark = h.clock();
  h.audit.record('token_issued', { agent: 'healthy', jti: 'j2' });
  h.audit.record('token_issued', { agent: 'orphan', jti: 'j3' });
  await new Promise((r) => setImmediate(r));
  const read = async (qs: string) => (await h.app.inject({ url: `/admin/audit?${qs}`, headers: h.as('auditor') })).json().records as Array<{ data: { jti: string } }>;
  t.same((await read('agent=healthy')).map((r) => r.data.jti).sort(), ['j1', 'j2']);
  t.same((await read(`agent=healthy&since=${mark}`)).map((r) => r.data.jti), ['j2']);
  t.same((await read(`agent=healthy&since=${new Date(mark).toISOString()}`)).map((r) => r.data.jti), ['j2']);
  const bad = await h.app.inject({ url: '/admin/audit?since=yesterday', headers: h.as('auditor') });
  t.equal(bad.statusCode, 400);
  const tooMany = await h.app.inject({ url: '/admin/audit?limit=100000', headers: h.as('auditor') });
  t.equal(tooMany.statusCode, 400, 'the limit is bounded');
});
