/**
 * Regression (final review): a Redis that refuses writes (OOM under noeviction, READONLY
 * replica, LOADING) made the rate limiter's raw ioredis error a 500 server_error. Every store
 * failure on the token endpoint is 503 temporarily_unavailable.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers } from '../helpers/redis-broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const cli = (...args: string[]) => promisify(execFile)('redis-cli', ['-p', String(redis.port), ...args]);

t.test('Redis out of memory: the token endpoint answers 503, never 500', async (t) => {
  const { instances, close } = await buildRedisBrokers({ redisUrl: redis.url, count: 1 });
  t.teardown(close);
  const a = instances[0]!;
  t.equal((await a.exchange(await a.attest())).statusCode, 200, 'works before');
  await cli('CONFIG', 'SET', 'maxmemory', '1');
  try {
    const res = await a.exchange(await a.attest());
    t.equal(res.statusCode, 503, res.body);
    t.equal(res.json().error, 'temporarily_unavailable');
  } finally {
    await cli('CONFIG', 'SET', 'maxmemory', '0');
  }
  t.equal((await a.exchange(await a.attest())).statusCode, 200, 'recovers');
});
