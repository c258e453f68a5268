/**
 * Regression (probe of the running broker): 1,200 wrong operator keys sent in 1.3 s were all
 * checked and answered, and each wrote an audit line. Now, per client address, a few failures
 * start a backoff: further attempts are refused with 429 and a Retry-After that doubles with
 * each later failure (bounded), without looking at the credential; the audit trail gets the
 * first failure and then one summary with the counts. Other addresses are not affected, and
 * once the backoff has passed a correct key works again.
 */
import t from 'tap';
import { OPERATOR_AUTH_BACKOFF } from '../../src/admin/index.js';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

const FLOOD = 1_200;
const ATTACKER = '203.0.113.66';

t.test('a burst of wrong operator keys is refused quickly and costs a bounded number of audit lines', async (t) => {
  const { policy, admin } = policyWithOperator('root@example.com', 'admin', 'the-real-key');
  // The address limit is raised out of the way: this is about the backoff.
  const b = await buildTestBroker({ policy, env: { STS_RATE_LIMIT_ADMIN: '100000/10s' } });
  t.teardown(b.close);
  const agents = (headers: Record<string, string>, remoteAddress: string) => b.app.inject({ url: '/admin/agents', headers, remoteAddress });
  const authLines = () => b.auditLines.filter((l) => String(l.event).startsWith('operator_auth'));

  const statuses = new Map<number, number>();
  let firstRefusal: Awaited<ReturnType<typeof agents>> | undefined;
  for (let i = 0; i < FLOOD; i++) {
    const res = await agents({ authorization: `Bearer wrong-key-${i}` }, ATTACKER);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode === 429) firstRefusal ??= res;
  }
  t.same(Object.fromEntries(statuses), { 401: OPERATOR_AUTH_BACKOFF.refuseFrom, 429: FLOOD - OPERATOR_AUTH_BACKOFF.refuseFrom },
    'after a few failures every attempt is refused without checking the key');
  t.equal(firstRefusal?.headers['retry-after'], '1');
  t.equal(firstRefusal?.json().error, 'temporarily_unavailable');
  t.equal(authLines().length, 1, 'one audit line for the whole burst so far (the first failure)');

  t.equal((await agents(admin, '198.51.100.7')).statusCode, 200, 'a correct key from another address works');
  t.equal((await agents(admin, ATTACKER)).statusCode, 429, 'the attacking address is refused even with the correct key');

  // Each failure after a backoff doubles the next one.
  const retryAfters: string[] = [];
  for (let i = 0; i < 3; i++) {
    b.clock.advance(Number((await agents({ authorization: 'Bearer still-wrong' }, ATTACKER)).headers['retry-after'] ?? 0) * 1000);
    t.equal((await agents({ authorization: 'Bearer still-wrong' }, ATTACKER)).statusCode, 401, 'the backoff has passed: the key is checked');
    retryAfters.push(String((await agents({ authorization: 'Bearer still-wrong' }, ATTACKER)).headers['retry-after']));
  }
  t.same(retryAfters, ['2', '4', '8'], 'Retry-After doubles');

  b.clock.advance(8_000);
  t.equal((await agents(admin, ATTACKER)).statusCode, 200, 'after the backoff, a correct key works');

  // The window ends: one summary with the counts.
  b.clock.advance(OPERATOR_AUTH_BACKOFF.windowMs);
  await agents({ authorization: 'Bearer wrong' }, '192.0.2.1');
  const summary = authLines().find((l) => l.event === 'operator_auth_failures');
  t.match(summary, { remote_address: ATTACKER, failures: OPERATOR_AUTH_BACKOFF.refuseFrom + 3, refused: FLOOD - OPERATOR_AUTH_BACKOFF.refuseFrom + 1 + 3 + 3 });
  t.ok(authLines().length <= 3, `${authLines().length} audit lines for ${FLOOD + 10} failed attempts`);
  t.notMatch(JSON.stringify(b.auditLines), /wrong-key|still-wrong|the-real-key/, 'never a credential');
});
