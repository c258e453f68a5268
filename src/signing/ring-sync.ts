import type { Lease } from '../store/types.js';
import type { KeyRingStore, KeyRingLogger } from './ring-options.js';
import { openRing, sealRing } from './ring-persistence.js';
import type { RingState } from './ring-state.js';

const LEASE_NAME = 'keyring';

/**
 * The key ring's link to a shared store: compare-and-set writes, a lease so only
 * one instance rotates on schedule, and reloads that never roll the ring back.
 */
export class RingSync {
  /** Version of the record last read or written; 0 when the store has none. */
  version = 0;
  /** True when the store lacks our ring or holds an older one: the lease holder rewrites it. */
  behind = false;
  private lease: Lease | null = null;

  constructor(
    private readonly store: KeyRingStore,
    private readonly kek: Buffer,
    private readonly leaseTtlMs: number,
    private readonly logger: KeyRingLogger,
  ) {}

  /** Keep or take the rotation lease. */
  async holdLease(): Promise<boolean> {
    if (this.lease) {
      if (await this.store.renewLease(this.lease, this.leaseTtlMs)) return true;
      this.lease = null;
      this.logger.warn({ lease: LEASE_NAME }, 'lost the key ring lease');
    }
    this.lease = await this.store.acquireLease(LEASE_NAME, this.leaseTtlMs);
    return this.lease !== null;
  }

  /**
   * The stored ring when it is newer than `local`, else null. A ring whose generation is below
   * ours is a rollback (an old blob written back would revive retired or compromised keys): refused.
   */
  async load(local: RingState): Promise<RingState | null> {
    const record = await this.store.getKeyRing();
    if (!record) {
      this.version = 0;
      this.behind = local.generation > 0;
      return null;
    }
    if (record.version === this.version && !this.behind) return null;
    const stored = openRing(record.blob, this.kek);
    this.version = record.version;
    if (stored.generation < local.generation) {
      this.behind = true;
      this.logger.error({ stored: stored.generation, local: local.generation }, 'the key ring in the store is older than ours: refused');
      return null;
    }
    this.behind = false;
    return stored.generation === local.generation ? null : stored;
  }

  /** Compare-and-set against the version last seen. */
  async save(state: RingState): Promise<boolean> {
    const ok = await this.store.putKeyRing(sealRing(state, this.kek), this.version);
    if (ok) {
      // The next load re-reads if the store numbers versions differently; the generation check makes that harmless.
      this.version += 1;
      this.behind = false;
    }
    return ok;
  }

  subscribe(onChange: () => void): () => void {
    return this.store.subscribe((event) => {
      if (event.type === 'keyring' && event.version !== this.version) onChange();
    });
  }

  async release(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    if (lease) await this.store.releaseLease(lease);
  }
}
