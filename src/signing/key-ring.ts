import type { KeyObject } from 'node:crypto';
import { generateKeyMaterial, type SigningAlg } from './algorithms.js';
import { KeyCache, type PublicJwk } from './key-cache.js';
import { describeRingChanges } from './ring-changes.js';
import { resolveRingOptions, type KeyRingOptions, type ResolvedRingOptions } from './ring-options.js';
import { advanceRing, rotateRing } from './ring-schedule.js';
import { EMPTY_RING, findKey, type KeyStatus, type RingState } from './ring-state.js';
import { RingSync } from './ring-sync.js';
import type { Signer } from './signer.js';

export interface VerificationKey {
  publicKey: KeyObject;
  alg: SigningAlg;
  status: KeyStatus;
  retiredAtMs: number | null;
}

/**
 * The signing keys: `next` -> `current` -> `retired` -> removed, on a schedule driven
 * by tick(). With a shared store the ring is kept there encrypted, one lease holder rotates and
 * every instance reloads it (ring-sync.ts). Reads are synchronous, from memory.
 */
/** What the console shows of one key. */
export interface KeyFacts {
  kid: string;
  /** null for a key withdrawn as compromised (only its kid is remembered). */
  alg: SigningAlg | null;
  status: KeyStatus | 'withdrawn';
  compromised: boolean;
  publishedAtMs: number | null;
  activatedAtMs: number | null;
  retiredAtMs: number | null;
  compromisedAtMs: number | null;
}

export class KeyRing {
  readonly alg: SigningAlg;
  private readonly opts: ResolvedRingOptions;
  private readonly sync: RingSync | null;
  private state: RingState = EMPTY_RING;
  private readonly cache = new KeyCache();
  private queue: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly closeHooks: Array<() => void> = [];

  constructor(options: KeyRingOptions) {
    this.opts = resolveRingOptions(options);
    this.alg = this.opts.alg;
    const shared = this.opts.shared;
    this.sync = shared ? new RingSync(shared.store, shared.kek, this.opts.leaseTtlMs, this.opts.logger) : null;
  }

  /** Load or create the ring. With a shared store, only the lease holder creates a missing ring. */
  init(): Promise<void> {
    return this.exclusive(async () => {
      const sync = this.sync;
      if (!sync) return this.apply(this.advanced());
      for (let attempt = 1; ; attempt++) {
        const stored = await sync.load(this.state);
        if (stored) this.apply(stored, false);
        if (this.state.generation > 0) break;
        if (await sync.holdLease()) {
          const created = this.advanced();
          if (await sync.save(created)) { this.apply(created); break; }
        }
        if (attempt >= this.opts.initAttempts) {
          throw new Error(`the signing key ring did not appear in the store after ${attempt} attempts`);
        }
        await new Promise((resolve) => setTimeout(resolve, this.opts.initRetryDelayMs));
      }
      this.unsubscribe = sync.subscribe(() => { this.refresh().catch((error) => this.logFailure('reload', error)); });
    });
  }

  /** Do whatever the schedule says is due now; on a shared store, only as the lease holder. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      const sync = this.sync;
      if (!sync) return this.apply(this.advanced());
      const holder = await sync.holdLease();
      const stored = await sync.load(this.state);
      if (stored) this.apply(stored, false);
      if (!holder) return;
      const next = this.advanced();
      if (next === this.state && !sync.behind) return;
      if (await sync.save(next)) this.apply(next);
    });
  }

  /** Reload from the store (subscribe events, and every tick, call this). */
  refresh(): Promise<void> {
    return this.exclusive(async () => {
      const stored = this.sync ? await this.sync.load(this.state) : null;
      if (stored) this.apply(stored, false);
    });
  }

  /** Operator rotation; see rotateRing for what `compromised` does. Any instance may call it (CAS, retried). */
  rotateNow(options: { compromised?: boolean } = {}): Promise<{ activatedKid: string; retiredKid: string | null; compromisedKid: string | null }> {
    return this.exclusive(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const stored = this.sync ? await this.sync.load(this.state) : null;
        if (stored) this.apply(stored, false);
        const { state, ...result } = rotateRing(this.state, this.opts.clock(), this.opts.timing, this.generate, options);
        if (this.sync && !(await this.sync.save(state))) continue;
        this.apply(state);
        return result;
      }
      throw new Error('the rotated key ring could not be stored: the store kept changing');
    });
  }

  currentSigner(): Signer {
    const key = findKey(this.state, 'current');
    if (!key) throw new Error('the key ring has no signing key yet');
    return this.cache.get(key).signer;
  }

  jwks(): { keys: PublicJwk[] } {
    const order: Record<KeyStatus, number> = { current: 0, next: 1, retired: 2 };
    const keys = this.published().sort((a, b) => order[a.status] - order[b.status]);
    return { keys: keys.map((k) => ({ ...this.cache.get(k).publicJwk })) };
  }

  /** A published, uncompromised key by kid (only our own ring: never a key named by a token). */
  lookupKey(kid: string): VerificationKey | undefined {
    const key = this.published().find((k) => k.kid === kid);
    if (!key) return undefined;
    return { publicKey: this.cache.get(key).publicKey, alg: key.alg, status: key.status, retiredAtMs: key.retiredAtMs };
  }

  /** Tokens signed by a compromised key count as revoked until they would have expired. */
  isCompromised(kid: string): boolean {
    return this.state.compromised.some((c) => c.kid === kid);
  }

  /** Shorter than the publish-ahead window, so a cached JWKS already holds the next key. */
  jwksMaxAgeSeconds(): number {
    return Math.min(300, Math.floor(this.opts.timing.publishAheadMs / 2000));
  }

  /**
   * Public facts about every key (the console's key page): never key material. A key withdrawn
   * as compromised is no longer in the ring, but is listed (status `withdrawn`) while the
   * tokens it signed could still be presented.
   */
  describeKeys(): KeyFacts[] {
    const held = new Set(this.state.keys.map((k) => k.kid));
    return [
      ...this.state.keys.map((k) => ({
        kid: k.kid, alg: k.alg, status: k.status, compromised: this.isCompromised(k.kid),
        publishedAtMs: k.publishedAtMs, activatedAtMs: k.activatedAtMs, retiredAtMs: k.retiredAtMs, compromisedAtMs: null,
      })),
      ...this.state.compromised.filter((c) => !held.has(c.kid)).map((c) => ({
        kid: c.kid, alg: null, status: 'withdrawn' as const, compromised: true,
        publishedAtMs: null, activatedAtMs: null, retiredAtMs: null, compromisedAtMs: c.compromisedAtMs,
      })),
    ];
  }

  currentKeyAgeMs(): number | null {
    const at = findKey(this.state, 'current')?.activatedAtMs;
    return at === undefined || at === null ? null : this.opts.clock() - at;
  }

  get rotationCount(): number {
    return this.state.rotations;
  }

  ready(): boolean {
    return findKey(this.state, 'current') !== undefined;
  }

  /** Production driver: tick (and so reload) every `intervalMs`; one tick at a time. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick().catch((error) => this.logFailure('tick', error)).finally(() => { this.ticking = false; });
    }, intervalMs);
    this.timer.unref();
  }

  /** Runs `fn` when the ring closes (a caller's retry timer, for instance). */
  onClose(fn: () => void): void {
    this.closeHooks.push(fn);
  }

  async close(): Promise<void> {
    for (const fn of this.closeHooks.splice(0)) fn();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.exclusive(async () => this.sync?.release()).catch((error) => this.logFailure('release', error));
  }

  private readonly generate = () => generateKeyMaterial(this.alg);

  private advanced(): RingState {
    return advanceRing(this.state, this.opts.clock(), this.opts.timing, this.generate);
  }

  private published(): RingState['keys'][number][] {
    return this.state.keys.filter((k) => !this.isCompromised(k.kid));
  }

  private apply(next: RingState, log = true): void {
    if (next === this.state) return;
    const changes = describeRingChanges(this.state, next);
    this.state = next;
    this.cache.retain(new Set(next.keys.map((k) => k.kid)));
    if (log) for (const change of changes) this.opts.logger.info({ ...change, generation: next.generation }, `signing key ring: ${change.event}`);
  }

  private logFailure(what: string, error: unknown): void {
    // Our errors and the store's carry no key material; the message is all we log.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    this.opts.logger.warn({ operation: what, error: message }, 'signing key ring operation failed');
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export async function createKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const ring = new KeyRing(options);
  await ring.init();
  return ring;
}
