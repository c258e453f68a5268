import t from 'tap';
import { Cluster } from 'ioredis';
import { createRedisAnomalyState } from '../../src/anomaly/index.js';
import { startRedisCluster } from '../helpers/redis.js';
import { runAnomalyStateContract } from './state-contract.js';

// Multi-key Lua on a Cluster works only when an agent's keys share one slot (hash tags).
const cluster = await startRedisCluster();
const client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
t.teardown(async () => {
  client.disconnect();
  await cluster.stop();
});

runAnomalyStateContract(t, 'redis-cluster', (ns) => createRedisAnomalyState(client, { prefix: `t:${ns}:` }));
