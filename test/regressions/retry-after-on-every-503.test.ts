/**
 * Regression (probe of the running broker): a 503 came without Retry-After, so clients had no
 * hint when to come back. RFC 9110 §10.2.3: every 503 of ours carries one, whichever route
 * answers it (token endpoint, admin API, /readyz), and one set by the refusal itself is kept.
 */
import { existsSync } from 'node:fs';
import t from 'tap';
import { openSyncSink } from '../../src/audit/index.js';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

const skip = existsSync('/dev/full') ? false : 'needs /dev/full to make the audit trail unwritable';

t.test('with the audit trail unwritable, every 503 says when to retry', { skip }, async (t) => {
  const { policy, admin } = policyWithOperator('root@example.com', 'admin', 'root-key');
  // A full disk: the real sink, writing to a device that always answers ENOSPC.
  const b = await buildTestBroker({ policy, auditSink: openSyncSink('/dev/full') });
  t.teardown(b.close);

  const answers = {
    token: await b.exchange(await b.attest()),
    readyz: await b.app.inject('/readyz'),
    resume: await b.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/resume', headers: admin, payload: { reason: 'x' } }),
  };
  for (const [what, res] of Object.entries(answers)) {
    t.equal(res.statusCode, 503, `${what}: 503 (${res.body})`);
    const retryAfter = Number(res.headers['retry-after']);
    t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${String(res.headers['retry-after'])}`);
    t.equal(res.headers['cache-control'], 'no-store', `${what}: not cached`);
  }
  t.equal(answers.readyz.json().checks.audit, false);
});

