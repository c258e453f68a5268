/**
 * Regression (probe of the console): the 30-minute idle timeout never triggered while the
 * inventory page was open, because its script polls /console/api/activity every 10 s and
 * each poll renewed the session. Now the poll reads with a valid session but does not renew
 * it; once the session is idle it gets 401 (the chart goes stale), and the next page asks
 * for a sign-in.
 */
import t from 'tap';
import { SESSION_IDLE_MS } from '../../src/console/index.js';
import { client, consoleBroker, KEYS } from '../console/helpers.js';

const POLL_MS = 10_000;

t.test('an open inventory page polling the chart does not keep an idle session alive', async (t) => {
  // Half an hour of polls sent at once: out of the way of the console's per-address limit.
  const b = await consoleBroker({ env: { STS_RATE_LIMIT_CONSOLE: '1000/10s' } });
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.auditor);
  t.equal((await c.get('/console/inventory')).statusCode, 200);

  const statuses = new Map<number, number>();
  let renewed = 0;
  for (let elapsed = POLL_MS; elapsed <= SESSION_IDLE_MS + POLL_MS; elapsed += POLL_MS) {
    b.clock.advance(POLL_MS);
    const poll = await c.get('/console/api/activity');
    statuses.set(poll.statusCode, (statuses.get(poll.statusCode) ?? 0) + 1);
    if (poll.headers['set-cookie']) renewed += 1;
  }
  t.equal(renewed, 0, 'no poll renewed the session cookie');
  t.same(Object.fromEntries(statuses), { 200: SESSION_IDLE_MS / POLL_MS - 1, 401: 2 }, 'the poll reads until the idle timeout, then is refused');
  const page = await c.get('/console/inventory');
  t.equal(page.statusCode, 303, 'idle 30 minutes with the page open: signed out');
  t.equal(page.headers.location, '/console/sign-in');
});

t.test('a page the operator opens still renews the session; polling after it does not', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.auditor);
  b.clock.advance(20 * 60_000);
  t.equal((await c.get('/console/inventory')).statusCode, 200, 'operator activity at 20 min');
  b.clock.advance(25 * 60_000);
  t.equal((await c.get('/console/api/activity')).statusCode, 200, 'at 45 min: 25 idle minutes, still valid');
  b.clock.advance(5 * 60_000);
  t.equal((await c.get('/console/api/activity')).statusCode, 401, 'at 50 min: 30 idle minutes since the last page');
});
