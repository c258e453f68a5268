/**
 * Regression (probe of the console): 2,000 POSTs to /console/sign-in with `credential=x&_csrf=y`
 * were all answered 403 in 2.4 s, with no 429, and each wrote a `console_csrf_refused` audit
 * record; more of them pushed real records out of the capped audit stream. Now /console is
 * limited per client address (STS_RATE_LIMIT_CONSOLE, as the admin API), and CSRF refusals
 * are summarized per address like failed sign-ins: the first is recorded, then one summary.
 */
import t from 'tap';
import { OPERATOR_AUTH_BACKOFF } from '../../src/admin/index.js';
import { client, consoleBroker, KEYS } from '../console/helpers.js';

const FLOOD = 2_000;
const ATTACKER = '203.0.113.66';
const LIMIT = 100;
// The default budget (100/10s) over a window long enough that a slow machine stays inside it.
const RATE = { STS_RATE_LIMIT_CONSOLE: `${LIMIT}/10m` };

t.test('a flood of forged sign-in forms gets 429 after the address budget and costs two audit records', async (t) => {
  const b = await consoleBroker({ env: RATE });
  t.teardown(b.close);
  const forged = (remoteAddress: string) => b.app.inject({
    method: 'POST', url: '/console/sign-in', remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'credential=x&_csrf=y',
  });
  const statuses = new Map<number, number>();
  let limited: Awaited<ReturnType<typeof forged>> | undefined;
  for (let i = 0; i < FLOOD; i++) {
    const res = await forged(ATTACKER);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode === 429) limited ??= res;
  }
  t.same(Object.fromEntries(statuses), { 403: LIMIT, 429: FLOOD - LIMIT }, 'refused per address once over the budget');
  t.ok(Number(limited?.headers['retry-after']) >= 1, 'with Retry-After (RFC 6585 §4)');
  t.match(limited?.headers['content-type'], /^text\/html/, 'as a console page');

  const csrfLines = () => b.auditLines.filter((l) => String(l.event).startsWith('console_csrf'));
  t.equal(csrfLines().length, 1, 'one record for the burst so far');
  t.match(csrfLines()[0], { event: 'console_csrf_refused', reason: 'bad_token', path: '/console/sign-in', remote_address: ATTACKER });
  t.equal((await forged('198.51.100.7')).statusCode, 403, 'another address has its own budget');

  // The window ends: one summary with the count.
  b.clock.advance(OPERATOR_AUTH_BACKOFF.windowMs);
  await forged('192.0.2.1');
  t.match(csrfLines().find((l) => l.event === 'console_csrf_refusals'), { remote_address: ATTACKER, failures: LIMIT, failures_by_reason: { bad_token: LIMIT } });
  t.equal(csrfLines().filter((l) => l.remote_address === ATTACKER).length, 2, `two records for ${FLOOD} forged forms`);
});

t.test('a signed-in operator\'s forged forms are summarized too, the first with who and why', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const url = '/console/agents/ticket-summarizer/suspend';
  const csrf = c.csrfOf((await c.get(url)).body);
  for (let i = 0; i < 5; i++) t.equal((await c.post(url, { _csrf: csrf, reason: 'x', confirm: 'ticket-summarizer' }, { 'sec-fetch-site': 'cross-site' })).statusCode, 403);
  const lines = b.auditLines.filter((l) => String(l.event).startsWith('console_csrf'));
  t.equal(lines.length, 1);
  t.match(lines[0], { event: 'console_csrf_refused', reason: 'cross_site', operator: 'carol@example.com', path: '/console/agents/:id/:action' });
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null);
});

t.test('STS_RATE_LIMIT_CONSOLE sets the budget; the admin API keeps its own', async (t) => {
  const b = await consoleBroker({ env: { STS_RATE_LIMIT_CONSOLE: '3/1m' } });
  t.teardown(b.close);
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await b.app.inject({ url: '/console/sign-in' })).statusCode);
  t.same(statuses, [200, 200, 200, 429]);
  t.equal((await b.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${KEYS.auditor}` } })).statusCode, 200, 'the admin API is not limited by the console\'s budget');
});
