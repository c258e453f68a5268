/**
 * Regression (black-box review): with Redis stalled, an operator's resume timed out with 503
 * but was applied when Redis resumed, and the audit trail had no trace of it. A write the
 * store did not confirm may still land, so the attempt is audited as unconfirmed (who, what,
 * why) and the 503 tells the operator to check the state before retrying.
 */
import t from 'tap';
import { StoreUnavailableError } from '../../src/errors.js';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

t.test('an admin write the store did not confirm is audited as unconfirmed', async (t) => {
  const { policy, admin } = policyWithOperator('root@example.com', 'admin', 'root-key');
  const b = await buildTestBroker({ policy });
  t.teardown(b.close);
  const post = (url: string, payload: Record<string, unknown>) => b.app.inject({ method: 'POST', url, headers: admin, payload });
  const stall = (method: 'suspendAgent' | 'resumeAgent' | 'revokeToken' | 'revokeAgentTokens') => {
    const original = b.store[method];
    b.store[method] = async () => { throw new StoreUnavailableError('no answer within 1000 ms'); };
    return () => { b.store[method] = original as never; };
  };

  t.equal((await post('/admin/agents/ticket-summarizer/suspend', { reason: 'incident 42' })).statusCode, 200);
  t.match(b.auditLines.at(-1), { event: 'agent_suspended', outcome: 'applied', operator: 'root@example.com' });

  const cases: Array<[string, Record<string, unknown>, Parameters<typeof stall>[0], string]> = [
    ['/admin/agents/ticket-summarizer/resume', { reason: 'RESUME-DURING-STALL' }, 'resumeAgent', 'agent_resumed'],
    ['/admin/agents/ticket-summarizer/suspend', { reason: 'again' }, 'suspendAgent', 'agent_suspended'],
    ['/admin/agents/ticket-summarizer/revoke', { reason: 'leak' }, 'revokeAgentTokens', 'agent_revoked'],
    ['/admin/tokens/revoke', { jti: 'j-1', reason: 'leak' }, 'revokeToken', 'token_revoked'],
  ];
  for (const [url, payload, method, event] of cases) {
    const restore = stall(method);
    const res = await post(url, payload);
    restore();
    t.equal(res.statusCode, 503, `${url}: ${res.body}`);
    t.match(res.json().error_description, /did not confirm the change; it may still take effect/);
    t.match(b.auditLines.at(-1), { event, outcome: 'unconfirmed', operator: 'root@example.com', reason: payload.reason }, `${event} audited as unconfirmed`);
  }
  // Any other error is a failure, audited as such: nothing is left open.
  const original = b.store.suspendAgent;
  b.store.suspendAgent = async () => { throw new Error('bug'); };
  const failed = await post('/admin/agents/ticket-summarizer/suspend', { reason: 'broken' });
  b.store.suspendAgent = original;
  t.equal(failed.statusCode, 500);
  t.match(b.auditLines.at(-1), { event: 'agent_suspended', outcome: 'failed', reason: 'broken' });
  const revokedLine = [...b.auditLines].reverse().find((l) => l.event === 'agent_revoked');
  t.type(revokedLine?.tokens_revoked_before, 'number', 'the revocation instant the write carried is audited');
});
