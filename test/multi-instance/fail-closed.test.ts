/**
 * Issue 3, failure behaviour: with Redis stopped mid-run the token endpoint answers 503
 * temporarily_unavailable within about 2 s, /readyz 503, while the JWKS and the metadata are
 * still served from memory; operator writes answer 503, never 2xx; when Redis is back the
 * same apps recover by themselves.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, k8sSubject, multiInstancePolicy, pollUntil, type RedisBrokerInstance } from '../helpers/redis-broker.js';

const BOUND_MS = 2000;
const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, policy: multiInstancePolicy(['other-agent']), tickMs: 200 });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

/** Runs a request and reports how long it took; a request that hangs fails the test. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await Promise.race([fn(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('request hung for 10 s')), 10_000))]);
  return { value, ms: performance.now() - started };
}

t.test('Redis stopped mid-run: fail closed, keep serving keys, recover without a restart', async (t) => {
  t.equal((await a.exchange(await a.attest())).statusCode, 200, 'exchanges work before');
  const attestation = await a.attest();
  const tokenBefore = await a.mint();

  // Persist first so the restart keeps the epoch (this test is about an outage, not lost state).
  await promisify(execFile)('redis-cli', ['-p', String(redis.port), 'SAVE']);
  await redis.kill();

  const times: number[] = [];
  for (const broker of [a, b, a]) {
    const { value: res, ms } = await timed(() => broker.exchange(attestation));
    times.push(ms);
    t.equal(res.statusCode, 503, `${broker.name}: 503 (${ms.toFixed(0)} ms)`);
    t.equal((res.json() as { error: string }).error, 'temporarily_unavailable');
    t.ok(Number(res.headers['retry-after']) >= 1, `${broker.name}: Retry-After (RFC 9110 §10.2.3)`);
    t.ok(ms < BOUND_MS, `${broker.name}: answered within ${BOUND_MS} ms`);
  }
  t.comment(`fail-closed /oauth/token answer times with Redis down: ${times.map((m) => m.toFixed(1)).join(', ')} ms`);

  const cc = await timed(async () => a.clientCredentials(await a.assertion()));
  t.equal(cc.value.statusCode, 503, 'client credentials too');
  t.ok(cc.ms < BOUND_MS);

  const ready = await timed(() => a.app.inject({ method: 'GET', url: '/readyz' }));
  t.equal(ready.value.statusCode, 503, '/readyz 503');
  t.ok(Number(ready.value.headers['retry-after']) >= 1, '/readyz says when to ask again');
  t.ok(ready.ms < BOUND_MS, `/readyz within ${BOUND_MS} ms`);
  for (const url of ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server', '/healthz']) {
    const res = await timed(() => b.app.inject({ method: 'GET', url }));
    t.equal(res.value.statusCode, 200, `${url} still served`);
  }

  const caller = await timed(() => a.introspect(tokenBefore, tokenBefore));
  t.ok(caller.value.statusCode >= 400, `introspection does not answer from nothing (${caller.value.statusCode})`);

  for (const [path, body] of [
    ['/agents/other-agent/suspend', { reason: 'during outage' }],
    ['/agents/other-agent/revoke', { reason: 'during outage' }],
    ['/agents/other-agent/resume', { reason: 'during outage' }],
    ['/tokens/revoke', { jti: 'some-jti', reason: 'during outage' }],
    ['/tokens/revoke', { token: tokenBefore, reason: 'during outage' }],
  ] as const) {
    const res = await timed(() => a.admin(path, body));
    t.equal(res.value.statusCode, 503, `${path} answers 503 while Redis is down (${res.value.body})`);
    t.ok(res.ms < BOUND_MS);
  }

  const actions = a.auditLines.filter((l) => l.agent === 'other-agent' && /agent_(suspended|revoked|resumed)/.test(String(l.event ?? l.msg)));
  // The shared address limit answers 503 before any write is attempted: nothing to record as
  // unconfirmed (regressions/unconfirmed-admin-write covers a write the store did not confirm).
  t.notOk(actions.some((l) => l.outcome !== 'unconfirmed'), 'no audit record claims an action the store never took');
  const holderRevoke = await timed(() => a.form('/oauth/revoke', { token: tokenBefore }));
  t.equal(holderRevoke.value.statusCode, 503, 'RFC 7009 revocation by the holder: 503, not the usual 200 (§2.2.1)');

  await redis.restart({ keepData: true });
  const recovered = await pollUntil(async () => {
    const [ra, rb] = await Promise.all([a.exchange(await a.attest()), b.exchange(await b.attest())]);
    return ra.statusCode === 200 && rb.statusCode === 200;
  }, 10_000, 100);
  t.not(recovered, null, 'both instances mint again without being rebuilt');
  t.comment(`recovered ${recovered?.toFixed(0)} ms after redis-server was back`);
  t.equal((await a.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, '/readyz 200 again');
  t.equal((await b.exchange(await b.attest(k8sSubject('other-agent')))).statusCode, 200, 'the refused suspension never happened');
});

t.test('Redis hung (SIGSTOP, connections stay open): 503 within the bound, recovery on SIGCONT', async (t) => {
  const pid = redis.pid;
  if (pid === undefined) { t.comment('not our redis-server: skipped'); return; }
  t.equal((await a.exchange(await a.attest())).statusCode, 200, 'exchanges work before');
  const attestation = await a.attest();
  process.kill(pid, 'SIGSTOP');
  try {
    const times: number[] = [];
    for (const broker of [a, b]) {
      const { value: res, ms } = await timed(() => broker.exchange(attestation));
      times.push(ms);
      t.equal(res.statusCode, 503, `${broker.name}: 503 (${ms.toFixed(0)} ms)`);
      t.equal((res.json() as { error?: string }).error, 'temporarily_unavailable');
      t.ok(ms < BOUND_MS + 250, `${broker.name}: answered within about ${BOUND_MS} ms`);
    }
    t.comment(`fail-closed /oauth/token answer times with Redis hung: ${times.map((m) => m.toFixed(1)).join(', ')} ms`);
    const ready = await timed(() => b.app.inject({ method: 'GET', url: '/readyz' }));
    t.equal(ready.value.statusCode, 503, '/readyz 503');
    t.ok(ready.ms < BOUND_MS + 250);
    const suspend = await timed(() => a.admin('/agents/other-agent/suspend', { reason: 'during hang' }));
    t.equal(suspend.value.statusCode, 503, 'a suspension that cannot be stored answers 503');
    t.equal((await timed(() => b.app.inject({ method: 'GET', url: '/.well-known/jwks.json' }))).value.statusCode, 200, 'JWKS still served');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const recovered = await pollUntil(async () => {
    const [ra, rb] = await Promise.all([a.exchange(await a.attest()), b.exchange(await b.attest())]);
    return ra.statusCode === 200 && rb.statusCode === 200;
  }, 10_000, 100);
  t.not(recovered, null, 'both instances mint again');
});
