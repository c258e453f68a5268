import t from 'tap';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

t.test('the audit trail of a full story: issue, deny, suspend, revoke (real app)', async (t) => {
  const { policy, admin } = policyWithOperator('carol@example.com', 'operator', 'carol-key');
  const b = await buildTestBroker({ policy });
  t.teardown(b.close);

  const issued = await b.exchange(await b.attest());
  t.equal(issued.statusCode, 200, issued.body);
  const accessToken = issued.json().access_token as string;
  const denied = await b.exchange(await b.attest(), { scope: 'tickets:write' });
  t.equal(denied.statusCode, 400);
  const s = await b.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/suspend', headers: admin, payload: { reason: 'incident 7' } });
  t.equal(s.statusCode, 200, s.body);
  const refused = await b.exchange(await b.attest());
  t.equal(refused.statusCode, 400, 'no new token while suspended');
  t.match(refused.json().error_description, /suspended by an operator/);
  const r = await b.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/revoke', headers: admin, payload: { reason: 'incident 7' } });
  t.equal(r.statusCode, 200);
  const rv = await b.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${accessToken}` });
  t.equal(rv.statusCode, 200);

  const story = new Set(['token_issued', 'token_denied', 'agent_suspended', 'agent_revoked']);
  const events = b.auditLines.map((l) => l.event as string).filter((e) => story.has(e));
  t.same(events, ['token_issued', 'token_denied', 'agent_suspended', 'token_denied', 'agent_revoked']);
  const suspended = b.auditLines.find((l) => l.event === 'agent_suspended');
  t.match(suspended, { agent: 'ticket-summarizer', operator: 'carol@example.com', operator_role: 'operator', reason: 'incident 7', stream: 'audit' });
  t.notMatch(JSON.stringify(b.auditLines), accessToken.split('.')[2] as string, 'no token material');
  await new Promise((r) => setImmediate(r));
  const api = await b.app.inject({ url: '/admin/audit?agent=ticket-summarizer', headers: admin });
  t.equal(api.statusCode, 200);
  t.ok((api.json().records as Array<{ event: string }>).some((rec) => rec.event === 'agent_revoked'), 'readable from GET /admin/audit');
});
