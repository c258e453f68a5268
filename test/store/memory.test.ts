import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { createMemoryStore, type Store } from '../../src/store/index.js';
import { runStoreContract } from './contract.js';

const clock = manualClock(Date.UTC(2026, 10, 1));
const shared = new Map<string, Store>();
runStoreContract(t, 'memory', async (ns) => {
  // One process holds one memory store: "two instances" in a namespace are the same store.
  const existing = shared.get(ns);
  if (existing) return { ...existing, close: async () => {} };
  const s = createMemoryStore({ clock });
  shared.set(ns, s);
  return s;
}, { clock, ttlMs: 1000, advance: async (ms) => clock.advance(ms) });

t.test('memory: a full replay map fails closed instead of forgetting a claim', async (t) => {
  const c = manualClock(0);
  const s = createMemoryStore({ clock: c, maxEntries: 3 });
  t.teardown(() => s.close());
  for (const k of ['a', 'b', 'c']) t.equal(await s.claimOnce(k, 1000), true);
  await t.rejects(s.claimOnce('d', 1000), StoreUnavailableError);
  await t.rejects(s.checkMint({ agentId: 'x', replay: [{ key: 'd', ttlMs: 1000 }] }), StoreUnavailableError);
  t.equal(await s.claimOnce('a', 1000), false, 'existing claims are all still remembered');
  c.advance(1001);
  t.equal(await s.claimOnce('d', 1000), true, 'room again once claims expire');
});

t.test('memory: a full revocation map fails closed', async (t) => {
  const c = manualClock(0);
  const s = createMemoryStore({ clock: c, maxEntries: 2 });
  t.teardown(() => s.close());
  await s.revokeToken('a', 1000);
  await s.revokeToken('b', 2000);
  await t.rejects(s.revokeToken('c', 1000), StoreUnavailableError);
  t.equal(await s.isTokenRevoked('a'), true);
  await t.rejects(s.suspendAgent('x', { atMs: 0, by: 'o', reason: 'r' }).then(() =>
    s.suspendAgent('y', { atMs: 0, by: 'o', reason: 'r' })).then(() =>
    s.suspendAgent('z', { atMs: 0, by: 'o', reason: 'r' })), StoreUnavailableError, 'agent map too');
});

t.test('memory: the epoch is the creation instant and stays', async (t) => {
  const c = manualClock(12345);
  const s = createMemoryStore({ clock: c });
  t.teardown(() => s.close());
  c.advance(1000);
  t.equal(await s.epoch(), 12345);
  t.equal((await s.checkMint({ agentId: 'a' })).epochMs, 12345);
});
