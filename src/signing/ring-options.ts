import type { Clock } from '../clock.js';
import { HARD_MAX_TTL_MS } from '../policy/index.js';
import type { Store } from '../store/types.js';
import type { SigningAlg } from './algorithms.js';
import { isSigningAlg } from './algorithms.js';
import { assertKek } from './ring-encryption.js';
import type { RingTiming } from './ring-state.js';

/** The part of the Store the key ring uses (tests fake just this). */
export type KeyRingStore = Pick<
  Store, 'kind' | 'getKeyRing' | 'putKeyRing' | 'acquireLease' | 'renewLease' | 'releaseLease' | 'subscribe'
>;

/** pino's Logger fits this. Only kids and counts are ever logged, never key material. */
export interface KeyRingLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface KeyRingOptions {
  alg?: SigningAlg;
  /** How long a key signs (STS_KEY_ROTATION). Default 24h. */
  rotationMs?: number;
  /** How long a key is published before it signs. Default min(1h, rotationMs/4). */
  publishAheadMs?: number;
  /** Longest token lifetime; a retired key stays published this long (+60 s skew). Default 1h. */
  maxTokenTtlMs?: number;
  clock: Clock;
  /** Absent or kind 'memory': the ring lives in this process only. */
  store?: KeyRingStore;
  /** 32-byte key-encryption key (STS_KEY_ENCRYPTION_KEY); required with a shared store. */
  kek?: Buffer;
  logger?: KeyRingLogger;
  /** Lease on the right to rotate; renewed on every tick. Default 10 s. */
  leaseTtlMs?: number;
  /** init() waits for the lease holder to create the ring: attempts x delay. Defaults 40 x 250 ms. */
  initAttempts?: number;
  initRetryDelayMs?: number;
}

export interface ResolvedRingOptions {
  alg: SigningAlg;
  timing: RingTiming;
  clock: Clock;
  /** Present only for a shared (non-memory) store. */
  shared: { store: KeyRingStore; kek: Buffer } | null;
  logger: KeyRingLogger;
  leaseTtlMs: number;
  initAttempts: number;
  initRetryDelayMs: number;
}

const HOUR = 3_600_000;
const silent: KeyRingLogger = { info: () => {}, warn: () => {}, error: () => {} };

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`key ring option ${name} must be a positive number`);
  return value;
}

export function resolveRingOptions(options: KeyRingOptions): ResolvedRingOptions {
  const alg = options.alg ?? 'ES256';
  if (!isSigningAlg(alg)) throw new RangeError(`key ring option alg must be one of ES256, EdDSA, RS256`);
  const rotationMs = positive('rotationMs', options.rotationMs ?? 24 * HOUR);
  const publishAheadMs = options.publishAheadMs ?? Math.min(HOUR, Math.floor(rotationMs / 4));
  if (!Number.isFinite(publishAheadMs) || publishAheadMs < 0 || publishAheadMs >= rotationMs) {
    throw new RangeError('key ring option publishAheadMs must be at least 0 and below rotationMs');
  }
  // A retired key stays published as long as the longest token the policy can grant lives.
  const maxTokenTtlMs = positive('maxTokenTtlMs', options.maxTokenTtlMs ?? HARD_MAX_TTL_MS);
  let shared: ResolvedRingOptions['shared'] = null;
  if (options.store && options.store.kind !== 'memory') {
    if (!options.kek) throw new Error('STS_KEY_ENCRYPTION_KEY is required to keep the signing key ring in a shared store');
    assertKek(options.kek);
    shared = { store: options.store, kek: options.kek };
  }
  return {
    alg,
    timing: { rotationMs, publishAheadMs, maxTokenTtlMs },
    clock: options.clock,
    shared,
    logger: options.logger ?? silent,
    leaseTtlMs: positive('leaseTtlMs', options.leaseTtlMs ?? 10_000),
    initAttempts: positive('initAttempts', options.initAttempts ?? 40),
    initRetryDelayMs: options.initRetryDelayMs ?? 250,
  };
}
