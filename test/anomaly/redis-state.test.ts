import t from 'tap';
import { Redis } from 'ioredis';
import { createRedisAnomalyState } from '../../src/anomaly/index.js';
import { startRedis } from '../helpers/redis.js';
import { runAnomalyStateContract } from './state-contract.js';

const redis = await startRedis();
const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
t.teardown(async () => {
  client.disconnect();
  await redis.stop();
});

runAnomalyStateContract(t, 'redis', (ns) => createRedisAnomalyState(client, { prefix: `t:${ns}:` }));

t.test('redis: every key carries the agent hash tag and a TTL', async (t) => {
  const s = createRedisAnomalyState(client, { prefix: 'ttl:' });
  await s.recordIssued('agent-x', Date.now(), { intent: 'i', audience: 'a', issuer: 'iss', subject: 'iss s' });
  await s.recordDetection('agent-x', 'novelty', Date.now(), 60_000);
  const keys = await client.keys('ttl:*');
  t.equal(keys.length, 7, 'hour counter, first-seen, four sets, detections');
  for (const key of keys) {
    t.match(key, /^ttl:\{agent-x\}:/, `${key} is tagged`);
    t.ok((await client.pttl(key)) > 0, `${key} expires`);
  }
});

t.test('redis: scripts reload after SCRIPT FLUSH', async (t) => {
  const s = createRedisAnomalyState(client, { prefix: 'flush:' });
  await s.recordDetection('a', 'volume', 1000, 60_000);
  await client.script('FLUSH');
  t.equal(await s.recordDetection('a', 'volume', 2000, 60_000), 2);
});
