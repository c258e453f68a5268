import type { Clock } from '../../../src/clock.js';
import type { KeyRingRecord, Lease, StoreEvent } from '../../../src/store/types.js';
import type { KeyRingStore } from '../../../src/signing/index.js';

/** One in-memory backend shared by several fake stores, as Redis is by several brokers. */
export interface FakeBackend {
  record: KeyRingRecord | null;
  leases: Map<string, { token: string; expiresAtMs: number }>;
  listeners: Set<(event: StoreEvent) => void>;
}

export function createFakeBackend(): FakeBackend {
  return { record: null, leases: new Map(), listeners: new Set() };
}

export interface FakeStore extends KeyRingStore {
  /** Successful putKeyRing calls made through this instance. */
  puts: number;
  /** Make the next putKeyRing calls fail as if another instance wrote first. */
  failPuts: number;
}

let leaseCounter = 0;

/** Just the Store methods the key ring uses; leases expire on the injected clock. */
export function createFakeStore(backend: FakeBackend, clock: Clock, kind: 'redis' | 'memory' = 'redis'): FakeStore {
  const store: FakeStore = {
    kind,
    puts: 0,
    failPuts: 0,
    async getKeyRing() {
      return backend.record ? { ...backend.record } : null;
    },
    async putKeyRing(blob: string, expectedVersion: number) {
      if (store.failPuts > 0) { store.failPuts -= 1; return false; }
      if ((backend.record?.version ?? 0) !== expectedVersion) return false;
      backend.record = { version: expectedVersion + 1, blob };
      store.puts += 1;
      for (const listener of backend.listeners) listener({ type: 'keyring', version: expectedVersion + 1 });
      return true;
    },
    async acquireLease(name: string, ttlMs: number): Promise<Lease | null> {
      const held = backend.leases.get(name);
      if (held && held.expiresAtMs > clock()) return null;
      const token = `lease-${++leaseCounter}`;
      backend.leases.set(name, { token, expiresAtMs: clock() + ttlMs });
      return { name, token };
    },
    async renewLease(lease: Lease, ttlMs: number) {
      const held = backend.leases.get(lease.name);
      if (!held || held.token !== lease.token || held.expiresAtMs <= clock()) return false;
      held.expiresAtMs = clock() + ttlMs;
      return true;
    },
    async releaseLease(lease: Lease) {
      if (backend.leases.get(lease.name)?.token === lease.token) backend.leases.delete(lease.name);
    },
    subscribe(listener: (event: StoreEvent) => void) {
      backend.listeners.add(listener);
      return () => { backend.listeners.delete(listener); };
    },
  };
  return store;
}
