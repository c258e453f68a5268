import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { ExpiringMap } from '../../src/store/memory/expiring-map.js';

t.test('expired entries vanish by the injected clock and free room', async (t) => {
  const c = manualClock(0);
  const m = new ExpiringMap<number>(c, 2);
  t.ok(m.set('a', 1, 100, false));
  t.ok(m.set('b', 2, 200, false));
  t.notOk(m.set('c', 3, 300, false), 'full of live entries: refused, nothing forgotten');
  t.equal(m.get('a'), 1);
  c.set(100);
  t.equal(m.get('a'), undefined, 'expired at its instant');
  t.ok(m.set('c', 3, 300, false), 'room after the sweep');
  t.same(m.entries().map(([k]) => k).sort(), ['b', 'c']);
});

t.test('with eviction allowed, the entry expiring soonest goes first', async (t) => {
  const c = manualClock(0);
  const m = new ExpiringMap<number>(c, 2);
  m.set('late', 1, 1000, true);
  m.set('soon', 2, 10, true);
  t.ok(m.set('new', 3, 500, true));
  t.equal(m.size, 2);
  t.equal(m.get('soon'), undefined);
  t.equal(m.get('late'), 1);
});
