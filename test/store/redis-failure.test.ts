/** Redis outages and lost state: fail closed within the bound, recover alone, detect an empty restart. */
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { createRedisStore, type Store, type StoreEvent } from '../../src/store/index.js';
import { freePort, startRedis } from '../helpers/redis.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const skip = redis.canRestart ? false : 'REDIS_URL server cannot be restarted';
const quiet = { warn: () => {}, error: () => {} };

async function until(check: () => Promise<unknown>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

t.test('Redis stopped: every call rejects with StoreUnavailableError within the bound; recovers after restart', { skip }, async (t) => {
  const store = await createRedisStore({ url: redis.url, keyPrefix: 'f1:', clock: systemClock, logger: quiet });
  t.teardown(() => store.close());
  const events: StoreEvent[] = [];
  store.subscribe((e) => events.push(e));
  const epoch = await store.epoch();
  await redis.kill();
  const calls: Array<[string, (s: Store) => Promise<unknown>]> = [
    ['checkMint', (s) => s.checkMint({ agentId: 'a', replay: [{ key: 'k', ttlMs: 1000 }] })],
    ['checkToken', (s) => s.checkToken('j', 'a')],
    ['suspendAgent', (s) => s.suspendAgent('a', { atMs: 1, by: 'o', reason: 'r' })],
    ['revokeToken', (s) => s.revokeToken('j', Date.now() + 60_000)],
    ['revokeAgentTokens', (s) => s.revokeAgentTokens('a', 1)],
    ['putKeyRing', (s) => s.putKeyRing('b', 0)],
    ['acquireLease', (s) => s.acquireLease('l', 1000)],
    ['readAudit', (s) => s.readAudit({ limit: 10 })],
    ['ping', (s) => s.ping()],
  ];
  for (const [name, call] of calls) {
    const started = Date.now();
    await t.rejects(call(store), StoreUnavailableError, `${name} fails closed`);
    t.ok(Date.now() - started < 2500, `${name} answered within the fail-closed bound`);
  }
  await redis.restart();
  t.ok(await until(() => store.ping(), 10_000), 'the same store works again after Redis is back');
  const after = await store.checkMint({ agentId: 'a', replay: [{ key: 'k', ttlMs: 1000 }] });
  t.equal(after.claimed, true);
  t.ok(after.epochMs > epoch, 'Redis came back empty: a new epoch');
  t.ok(await until(async () => { if (!events.some((e) => e.type === 'epoch')) throw new Error('no event'); }, 2000),
    'an epoch event was emitted');
  t.same(events.filter((e) => e.type === 'epoch'), [{ type: 'epoch', epochMs: after.epochMs }], 'exactly once');
});

t.test('Redis restarted empty: epoch changes on every instance; with its data kept, it stays', { skip }, async (t) => {
  const a = await createRedisStore({ url: redis.url, keyPrefix: 'f2:', clock: systemClock, logger: quiet });
  const b = await createRedisStore({ url: redis.url, keyPrefix: 'f2:', clock: systemClock, logger: quiet });
  t.teardown(async () => { await a.close(); await b.close(); });
  const seenByB: StoreEvent[] = [];
  b.subscribe((e) => seenByB.push(e));
  const e1 = await a.epoch();
  t.equal(await b.epoch(), e1, 'instances share the epoch');
  await redis.restart({ keepData: true });
  t.ok(await until(() => a.ping(), 10_000));
  t.equal((await a.checkToken('j', 'x')).epochMs, e1, 'data kept: same epoch');
  await redis.restart();
  t.ok(await until(() => a.ping(), 10_000));
  const e2 = (await a.checkToken('j', 'x')).epochMs;
  t.ok(e2 > e1, 'data lost: new epoch');
  t.ok(await until(() => b.ping(), 10_000));
  t.equal(await b.epoch(), e2, 'the other instance reads the same new epoch');
  t.ok(await until(async () => { if (!seenByB.some((e) => e.type === 'epoch')) throw new Error('none'); }, 3000),
    'the other instance emitted an epoch event');
  const agentEvent = () => seenByB.some((e) => e.type === 'agent' && e.agentId === 'after-restart');
  t.ok(await until(async () => {
    await a.suspendAgent('after-restart', { atMs: 1, by: 'o', reason: 'r' });
    await new Promise((r) => setTimeout(r, 100));
    if (!agentEvent()) throw new Error('not yet');
  }, 5000), 'pub/sub resubscribed by itself after the restart');
});

t.test('Redis frozen (accepts nothing, answers nothing): calls reject within the bound, then recover', { skip }, async (t) => {
  const store = await createRedisStore({ url: redis.url, keyPrefix: 'f3:', clock: systemClock, logger: quiet });
  t.teardown(() => store.close());
  const pid = redis.pid;
  if (pid === undefined) return;
  process.kill(pid, 'SIGSTOP');
  try {
    const calls: Array<() => Promise<unknown>> = [() => store.checkMint({ agentId: 'a', replay: [{ key: 'k', ttlMs: 1000 }] }), () => store.revokeToken('j', Date.now() + 9000)];
    for (const call of calls) {
      const started = Date.now();
      await t.rejects(call(), StoreUnavailableError);
      t.ok(Date.now() - started < 2500, 'answered within the fail-closed bound');
    }
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  t.ok(await until(() => store.ping(), 5000), 'works again once Redis answers');
  t.equal((await store.checkMint({ agentId: 'a', replay: [{ key: 'k2', ttlMs: 1000 }] })).claimed, true);
});

t.test('start without a reachable Redis: the store starts, fails closed, and connects when Redis answers', async (t) => {
  const late = await startRedis();
  t.teardown(() => late.stop());
  await late.kill();
  const started = Date.now();
  const store = await createRedisStore({ url: late.url, clock: systemClock, logger: quiet });
  t.teardown(() => store.close());
  t.ok(Date.now() - started < 5000, 'created without waiting for Redis');
  await t.rejects(store.checkMint({ agentId: 'a' }), StoreUnavailableError, 'every call fails closed');
  await t.rejects(store.ping(), StoreUnavailableError);
  await late.restart();
  t.ok(await until(() => store.ping(), 10_000), 'usable once Redis answers');
  t.equal((await store.checkMint({ agentId: 'a', replay: [{ key: 'k', ttlMs: 1000 }] })).claimed, true);
});
