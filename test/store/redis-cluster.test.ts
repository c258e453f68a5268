/** The contract on a real three-node Redis Cluster: every multi-key script's keys share a slot. */
import t from 'tap';
import { Cluster } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import { createRedisStore } from '../../src/store/index.js';
import { startRedisCluster } from '../helpers/redis.js';
import { runStoreContract } from './contract.js';

const skip = process.env.REDIS_URL && !process.env.REDIS_CLUSTER_URL ? 'REDIS_URL set: no local cluster' : false;
t.test('the store on a local three-node cluster', { skip }, async (t) => {
  const cluster = await startRedisCluster();
  t.teardown(() => cluster.stop());
  runStoreContract(t, 'redis-cluster', (ns) => createRedisStore({ url: cluster.url, keyPrefix: `t:${ns}:`, clock: systemClock }), {
    clock: systemClock,
    ttlMs: 200,
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
  });

  t.test('redis-cluster: nodes given as a list, and the raw client is exposed', async (t) => {
    const store = await createRedisStore({ cluster: cluster.nodes, clock: systemClock });
    t.teardown(() => store.close());
    t.ok(store.redis instanceof Cluster, 'a Cluster client');
    t.equal((await store.checkMint({ agentId: 'a' })).claimed, true);
  });
});
