/**
 * Commands issued in one event-loop turn leave the Redis client in one write (the socket is
 * corked for the turn), and a lone command is not held back past the turn.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { createTurnCork } from '../../src/store/redis/turn-cork.js';
import { startRedis } from '../helpers/redis.js';

type Writes = { single: number; batched: number; chunks: number };

function countWrites(client: Redis): Writes {
  const stream = client.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], cb: unknown) => void };
  const counts: Writes = { single: 0, batched: 0, chunks: 0 };
  const write = stream._write.bind(stream);
  const writev = stream._writev.bind(stream);
  stream._write = (...args) => { counts.single++; write(...args); };
  stream._writev = (chunks, cb) => { counts.batched++; counts.chunks += chunks.length; writev(chunks, cb); };
  return counts;
}

t.test('a burst of commands in one turn is one write; the next turn writes again', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const client = new Redis(redis.url, { enableAutoPipelining: false });
  t.teardown(() => client.quit());
  await client.ping();
  const cork = createTurnCork(client);
  const writes = countWrites(client);

  const burst = Array.from({ length: 20 }, (_, i) => {
    cork();
    return client.set(`k${i}`, String(i));
  });
  t.same(await Promise.all(burst), Array(20).fill('OK'), 'every command answered');
  t.same(writes, { single: 0, batched: 1, chunks: 20 }, 'twenty commands, one writev');

  cork();
  t.equal(await client.get('k7'), '7', 'a lone command is answered (uncorked after its turn)');
  t.same(writes, { single: 1, batched: 1, chunks: 20 }, 'and written once');

  // Without cork(): one write per command, as ioredis does by itself.
  await Promise.all([client.get('k1'), client.get('k2')]);
  t.equal(writes.single, 3, 'uncorked commands are written one by one');
});

t.test('a cluster client is left alone', async (t) => {
  const { Cluster } = await import('ioredis');
  const cluster = new Cluster([], { lazyConnect: true });
  t.teardown(() => cluster.disconnect());
  t.doesNotThrow(() => createTurnCork(cluster)(), 'no socket of its own to cork: a no-op');
});
