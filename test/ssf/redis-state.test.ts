/**
 * The SsfState contract on a real Redis and on a three-node Redis Cluster (hash tags keep each
 * script on one slot), with receivers' push authorization headers sealed at rest.
 */
import { randomBytes } from 'node:crypto';
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

const kek = randomBytes(32);
runSsfStateContract(t, 'redis', () => ({ state: createRedisSsfState(client, { prefix: `t${++ns}:`, kek }), advance: sleep }));
runSsfStateContract(t, 'redis-cluster', () => ({ state: createRedisSsfState(clusterClient, { prefix: `t${++ns}:`, kek }), advance: sleep }));
runSsfStateContract(t, 'redis without a key', () => ({ state: createRedisSsfState(client, { prefix: `t${++ns}:` }), advance: sleep }));

t.test("redis: a receiver's push credential is sealed at rest and bound to its stream and URL", async (t) => {
  const prefix = 'sealed:';
  const state = createRedisSsfState(client, { prefix, kek });
  const push = (endpointUrl: string) => ({ method: 'urn:ietf:rfc:8935' as const, endpointUrl, authorizationHeader: 'Bearer receiver-secret-123' });
  const [a, b] = ['a'.repeat(32), 'b'.repeat(32)];
  for (const [id, receiver] of [[a, 'api-a'], [b, 'api-b']] as const) {
    await state.createStream({ id, receiver, createdAtMs: 0, delivery: push(`https://${receiver}.example/events`), status: 'enabled', excludedSubjects: [] }, { perReceiver: 5, total: 5 });
  }
  const registry = `${prefix}{streams}:cfg`;
  const raw = await client.hgetall(registry);
  t.notMatch(Object.values(raw).join('\n'), /receiver-secret-123/, 'the header is nowhere in Redis as written');
  t.match((await state.getStream(a))?.delivery, { authorizationHeader: 'Bearer receiver-secret-123' }, 'read back by the broker');

  // Someone with write access to Redis moves api-a's sealed header to api-b's stream...
  const storedA = JSON.parse(raw[a] as string) as { sealedAuthorization: string };
  const storedB = JSON.parse(raw[b] as string) as Record<string, unknown>;
  await client.hset(registry, b, JSON.stringify({ ...storedB, sealedAuthorization: storedA.sealedAuthorization }));
  t.match((await state.getStream(b))?.delivery, { authorizationUnreadable: true }, 'it does not open on another stream');
  t.notOk((await state.getStream(b))?.delivery && 'authorizationHeader' in ((await state.getStream(b))?.delivery ?? {}));
  // ...or points api-a's stream at another URL.
  const movedA = JSON.parse(raw[a] as string) as { delivery: Record<string, unknown> };
  await client.hset(registry, a, JSON.stringify({ ...movedA, delivery: { ...movedA.delivery, endpointUrl: 'https://attacker.example/events' } }));
  t.match((await state.getStream(a))?.delivery, { authorizationUnreadable: true }, 'it does not open for another URL');

  // A receiver that sets its delivery again gets a working stream back.
  const current = await state.getStream(a);
  if (!current) throw new Error('stream a is gone');
  await state.saveStream({ ...current, delivery: push('https://api-a.example/v2') });
  t.match((await state.getStream(a))?.delivery, { endpointUrl: 'https://api-a.example/v2', authorizationHeader: 'Bearer receiver-secret-123' });
  t.match((await createRedisSsfState(client, { prefix }).getStream(a))?.delivery, { authorizationUnreadable: true }, 'without the key it does not open either');
});

t.test('redis: a header that did not open survives an unrelated save, and opens again once the URL is put back', async (t) => {
  const prefix = 'kept:';
  const state = createRedisSsfState(client, { prefix, kek });
  const registry = `${prefix}{streams}:cfg`;
  const id = 'c'.repeat(32);
  const url = 'https://api-c.example/events';
  await state.createStream({ id, receiver: 'api-c', createdAtMs: 0, delivery: { method: 'urn:ietf:rfc:8935', endpointUrl: url, authorizationHeader: 'Bearer c-secret' }, status: 'enabled', excludedSubjects: [] }, { perReceiver: 5, total: 5 });
  const original = JSON.parse(await client.hget(registry, id) as string) as { delivery: Record<string, unknown> };
  await client.hset(registry, id, JSON.stringify({ ...original, delivery: { ...original.delivery, endpointUrl: 'https://elsewhere.example/events' } }));
  const unreadable = await state.getStream(id);
  if (!unreadable) throw new Error('stream c is gone');
  t.ok(await state.saveStream({ ...unreadable, description: 'renamed' }), 'saved for another reason');
  const stored = JSON.parse(await client.hget(registry, id) as string) as Record<string, unknown> & { delivery: Record<string, unknown> };
  t.notOk('authorizationUnreadable' in stored.delivery, 'the mark is never stored');
  t.type(stored.sealedAuthorization, 'string', 'the sealed header is kept');
  await client.hset(registry, id, JSON.stringify({ ...stored, delivery: { ...stored.delivery, endpointUrl: url } }));
  t.match(await state.getStream(id), { description: 'renamed', delivery: { endpointUrl: url, authorizationHeader: 'Bearer c-secret' } });
});

t.test('redis: headers stored in plain text (before sealing, or without a key) are sealed at start', async (t) => {
  const prefix = 'legacy:';
  const registry = `${prefix}{streams}:cfg`;
  const id = 'd'.repeat(32);
  const record = { id, receiver: 'api-d', createdAtMs: 0, delivery: { method: 'urn:ietf:rfc:8935' as const, endpointUrl: 'https://api-d.example/events', authorizationHeader: 'Bearer d-secret' }, status: 'enabled' as const, excludedSubjects: [] };
  await createRedisSsfState(client, { prefix }).createStream(record, { perReceiver: 5, total: 5 });
  t.match(await client.hget(registry, id), /d-secret/, 'without a key, as written');
  const state = createRedisSsfState(client, { prefix, kek });
  t.equal(await state.sealStoredHeaders(), 1);
  t.notMatch(await client.hget(registry, id), /d-secret/, 'sealed');
  t.match((await state.getStream(id))?.delivery, { authorizationHeader: 'Bearer d-secret' });
  t.equal(await state.sealStoredHeaders(), 0, 'nothing left to seal');
});

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
