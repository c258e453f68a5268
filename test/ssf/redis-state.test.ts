/** The SsfState contract on a real Redis and on a three-node Redis Cluster (hash tags keep each script on one slot). */
import t from 'tap';
import { Cluster, Redis } from 'ioredis';
import { createRedisSsfState } from '../../src/ssf/index.js';
import { startRedis, startRedisCluster } from '../helpers/redis.js';
import { runSsfStateContract } from './state-contract.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let ns = 0;

const redis = await startRedis();
const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
const cluster = await startRedisCluster();
const clusterClient = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
t.teardown(async () => {
  client.disconnect();
  clusterClient.disconnect();
  await redis.stop();
  await cluster.stop();
});

runSsfStateContract(t, 'redis', () => ({ state: createRedisSsfState(client, { prefix: `t${++ns}:` }), advance: sleep }));
runSsfStateContract(t, 'redis-cluster', () => ({ state: createRedisSsfState(clusterClient, { prefix: `t${++ns}:` }), advance: sleep }));

t.test('redis: keys under their own prefix; a backlog expires when its stream is long gone', async (t) => {
  const state = createRedisSsfState(client, { prefix: 'own:' });
  const id = 'f'.repeat(32);
  await state.createStream({ id, receiver: 'api', createdAtMs: 0, delivery: { method: 'urn:ietf:rfc:8936' }, status: 'enabled', excludedSubjects: [] }, { perReceiver: 1, total: 1 });
  await state.append(id, 'j', '{}', 1, 10);
  const keys = await client.keys('own:*');
  t.ok(keys.length >= 4 && keys.every((k) => k.startsWith('own:{streams}:') || k.startsWith(`own:{q:${id}}:`)), keys.join(' '));
  for (const key of keys.filter((k) => k.startsWith('own:{q:'))) t.ok((await client.pttl(key)) > 0, `${key} expires`);
});

t.test('redis: a Redis that cannot be reached is StoreUnavailableError', async (t) => {
  const dead = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  t.teardown(() => dead.disconnect());
  const state = createRedisSsfState(dead);
  await t.rejects(state.listStreams(), { name: 'StoreUnavailableError' });
});
