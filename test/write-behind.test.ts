/** The write-behind batcher: merging by key, when batches are written, and what callers see. */
import t from 'tap';
import { createWriteBehind } from '../src/write-behind.js';

interface Sum { total: number; events: number }

function recorder(options: { intervalMs?: number; maxKeys?: number; fullAt?: number; fail?: boolean } = {}) {
  const writes: Array<{ key: string; batch: Sum }> = [];
  const wb = createWriteBehind<number, Sum>({
    intervalMs: options.intervalMs ?? 20,
    maxKeys: options.maxKeys ?? 100,
    start: (n) => ({ total: n, events: 1 }),
    merge: (b, n) => {
      b.total += n;
      b.events++;
    },
    ...(options.fullAt ? { full: (b: Sum) => b.events >= (options.fullAt as number) } : {}),
    write: async (key, batch) => {
      writes.push({ key, batch: { ...batch } });
      if (options.fail) throw new Error('store down');
    },
  });
  return { wb, writes };
}

t.test('events with one key merge into one write; different keys are written separately', async (t) => {
  const { wb, writes } = recorder();
  const done = [wb.add('a', 1), wb.add('a', 2), wb.add('b', 5), wb.add('a', 3)];
  t.equal(writes.length, 0, 'nothing is written synchronously');
  await Promise.all(done);
  t.same(writes.sort((x, y) => x.key.localeCompare(y.key)), [
    { key: 'a', batch: { total: 6, events: 3 } },
    { key: 'b', batch: { total: 5, events: 1 } },
  ]);
});

t.test('a batch is written within the interval without any flush call', async (t) => {
  const { wb, writes } = recorder({ intervalMs: 15 });
  const started = performance.now();
  await wb.add('a', 1);
  t.equal(writes.length, 1);
  t.ok(performance.now() - started < 1_000, 'written by the timer');
});

t.test('flush() writes at once and waits for writes already under way', async (t) => {
  const { wb, writes } = recorder({ intervalMs: 60_000 });
  void wb.add('a', 1);
  void wb.add('b', 1);
  await wb.flush();
  t.equal(writes.length, 2);
  await wb.flush();
  t.equal(writes.length, 2, 'an empty flush writes nothing');
});

t.test('a full batch is written immediately; the next event starts a new one', async (t) => {
  const { wb, writes } = recorder({ intervalMs: 60_000, fullAt: 3 });
  const first = [wb.add('a', 1), wb.add('a', 1), wb.add('a', 1)];
  await Promise.all(first);
  t.same(writes, [{ key: 'a', batch: { total: 3, events: 3 } }]);
  void wb.add('a', 7);
  await wb.flush();
  t.same(writes[1], { key: 'a', batch: { total: 7, events: 1 } });
});

t.test('more distinct keys than maxKeys force the held batches out (bounded memory)', async (t) => {
  const { wb, writes } = recorder({ intervalMs: 60_000, maxKeys: 2 });
  void wb.add('a', 1);
  void wb.add('b', 1);
  t.equal(writes.length, 0);
  void wb.add('c', 1);
  t.equal(writes.length, 2, 'a and b written when c arrived');
  await wb.flush();
  t.equal(writes.length, 3);
});

t.test('a failed write rejects every event of its batch, and nothing is unhandled', async (t) => {
  const { wb } = recorder({ fail: true });
  const results = await Promise.allSettled([wb.add('a', 1), wb.add('a', 2)]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected']);
  void wb.add('b', 1); // ignored by its caller: must not become an unhandled rejection
  await wb.flush();
});
