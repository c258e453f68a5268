import { Redis } from 'ioredis';
import t from 'tap';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedis } from '../helpers/redis.js';
import { runStoreContract } from './contract.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

runStoreContract(t, 'redis', (ns) => createRedisStore({ url: redis.url, keyPrefix: `t:${ns}:`, clock: systemClock }), {
  clock: systemClock,
  ttlMs: 200,
  advance: (ms) => new Promise((r) => setTimeout(r, ms)),
});

t.test('bookkeeping writes are batched: many events, few script calls, exact counts', async (t) => {
  const admin = new Redis(redis.url);
  t.teardown(() => admin.disconnect());
  const store = await createRedisStore({ url: redis.url, keyPrefix: 't:batched:', clock: systemClock });
  t.teardown(() => store.close());
  const scriptCalls = async () => {
    const stats = await admin.info('commandstats');
    return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  };
  await store.ping();
  const before = await scriptCalls();
  const now = Date.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < 200; i++) {
    writes.push(store.recordActivity({ agentId: 'busy', atMs: now + i, outcome: i % 50 === 49 ? 'denied' : 'issued', reason: 'scope' }));
    writes.push(store.appendAudit({ atMs: now + i, event: 'token_issued', agent: 'busy', data: { n: i } }));
  }
  await Promise.all(writes);
  const calls = (await scriptCalls()) - before;
  t.ok(calls <= 4, `400 events took ${calls} script calls (one per batch)`);
  const activity = await store.getActivity('busy', now + 200);
  t.equal(activity.issued24h, 196);
  t.equal(activity.denied24h, 4);
  t.equal(activity.lastSeenMs, now + 199);
  t.same(activity.recentDenials.map((d) => d.atMs), [now + 199, now + 149, now + 99, now + 49], 'newest first');
  const audit = await store.readAudit({ limit: 300, agent: 'busy' });
  t.equal(audit.length, 200);
  t.same(audit.slice(0, 2).map((r) => (r.data as { n: number }).n), [199, 198], 'in order, newest first');
});

t.test('close() writes what the batches still hold', async (t) => {
  const store = await createRedisStore({ url: redis.url, keyPrefix: 't:closing:', clock: systemClock });
  const now = Date.now();
  void store.recordActivity({ agentId: 'late', atMs: now, outcome: 'issued' });
  void store.appendAudit({ atMs: now, event: 'token_issued', agent: 'late', data: {} });
  await store.close();
  const reader = await createRedisStore({ url: redis.url, keyPrefix: 't:closing:', clock: systemClock });
  t.teardown(() => reader.close());
  t.equal((await reader.getActivity('late', now)).issued24h, 1);
  t.equal((await reader.readAudit({ limit: 10, agent: 'late' })).length, 1);
});
