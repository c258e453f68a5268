import t from 'tap';
import { createMemoryAuthBackoff, createRedisAuthBackoff, OPERATOR_AUTH_BACKOFF } from '../../src/admin/index.js';
import { refusalAfter, refusalTable } from '../../src/admin/auth-backoff.js';
import { manualClock, systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';
import { CONTRACT_SCHEDULE, runAuthBackoffContract } from './auth-backoff-contract.js';

t.test('the operator schedule: five failures, then 1 s doubling up to 15 minutes', async (t) => {
  const s = OPERATOR_AUTH_BACKOFF;
  t.same([1, 2, 3, 4, 5, 6, 7].map((n) => refusalAfter(n, s)), [0, 0, 0, 0, 1_000, 2_000, 4_000]);
  t.equal(refusalAfter(14, s), 512_000);
  t.equal(refusalAfter(15, s), 900_000, 'bounded');
  t.equal(refusalAfter(1_000_000, s), 900_000);
  t.same(refusalTable(s).slice(0, 6), [0, 0, 0, 0, 1_000, 2_000]);
  t.equal(refusalTable(s).at(-1), 900_000, 'the table ends at the bound (the Redis script repeats its last entry)');
});

t.test('memory', async (t) => {
  const clock = manualClock(Date.parse('2026-11-01T12:00:00Z'));
  runAuthBackoffContract(t, 'memory', createMemoryAuthBackoff(clock, CONTRACT_SCHEDULE), async (ms) => clock.advance(ms));
  t.test('memory: bounded, the address touched longest ago goes first', async (t) => {
    const small = createMemoryAuthBackoff(clock, CONTRACT_SCHEDULE, 2);
    for (let i = 0; i < 3; i++) await small.recordFailure('a');
    await small.recordFailure('b');
    await small.recordFailure('c');
    t.equal(await small.refusedForMs('a'), 0, 'a was dropped for c');
  });
});

t.test('redis', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const stores = await Promise.all([0, 1].map(() => createRedisStore({ url: redis.url, clock: systemClock })));
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const [a, b] = stores.map((s) => createRedisAuthBackoff(s.redis, CONTRACT_SCHEDULE)) as [ReturnType<typeof createRedisAuthBackoff>, ReturnType<typeof createRedisAuthBackoff>];
  runAuthBackoffContract(t, 'redis', a, (ms) => new Promise((r) => setTimeout(r, ms)));
  t.test('redis: every instance counts the same failures under a readable key', async (t) => {
    await a.recordFailure('10.8.0.1');
    await b.recordFailure('10.8.0.1');
    t.equal((await a.recordFailure('10.8.0.1')).refusalMs, CONTRACT_SCHEDULE.firstRefusalMs, 'the third failure, on either instance');
    t.ok((await b.refusedForMs('10.8.0.1')) > 0, 'refused on the other instance too');
    const record = await stores[0]!.redis.hgetall('sts:auth-backoff:10.8.0.1');
    t.equal(record.failures, '3');
    t.ok(Math.abs(Number(record.refused_until) - (Date.now() + CONTRACT_SCHEDULE.firstRefusalMs)) < 1_000, `refused until ${record.refused_until} (Redis time, ms)`);
  });
});
