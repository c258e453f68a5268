/**
 * The resource server's DPoP settings (RFC 9449), checked and completed once when the verifier
 * is built: which proof algorithms, how old a proof may be, where used proofs are remembered,
 * and whether proofs must carry a nonce of ours (§9).
 */
import { randomBytes } from 'node:crypto';
import { createNonceIssuer, type NonceIssuer } from '../dpop/index.js';
import { checkAlgorithms, DEFAULT_ALGORITHMS } from './algorithms.js';
import { DEFAULT_REPLAY_CACHE_SIZE, memoryReplayCache, type ReplayGuard } from './replay-cache.js';
import type { DpopOptions } from './types.js';

export interface DpopSettings {
  /** Only DPoP-bound tokens, with proofs (RFC 9728 `dpop_bound_access_tokens_required`). */
  required: boolean;
  algorithms: readonly string[];
  maxAgeMs: number;
  futureSkewMs: number;
  replay: ReplayGuard;
  nonces: NonceIssuer | undefined;
}

const MAX_PROOF_AGE_S = 300;
const MIN_NONCE_SECRET_BYTES = 32;

export function dpopSettings(options: DpopOptions, defaults: { toleranceS: number; now: () => number }): DpopSettings {
  const maxAgeS = options.proofMaxAgeSeconds ?? 60;
  if (!(maxAgeS >= 1 && maxAgeS <= MAX_PROOF_AGE_S)) throw new TypeError(`dpop.proofMaxAgeSeconds must be from 1 to ${MAX_PROOF_AGE_S}`);
  return {
    required: options.required ?? false,
    algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS, 'dpop.algorithms'),
    maxAgeMs: maxAgeS * 1000,
    futureSkewMs: defaults.toleranceS * 1000,
    replay: options.replay ?? memoryReplayCache(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE, defaults.now),
    nonces: nonceIssuer(options.nonce, defaults.now),
  };
}

/** §9: one secret per process by default; the same secret on every instance behind a load balancer. */
function nonceIssuer(option: DpopOptions['nonce'], now: () => number): NonceIssuer | undefined {
  if (option === undefined || option === false) return undefined;
  const secret = option === true ? randomBytes(MIN_NONCE_SECRET_BYTES) : Buffer.from(option.secret);
  if (secret.length < MIN_NONCE_SECRET_BYTES) throw new TypeError(`dpop.nonce.secret must be at least ${MIN_NONCE_SECRET_BYTES} bytes`);
  // A nonce is accepted in its period and the next: for one to two periods.
  const lifetimeS = option === true ? 60 : option.lifetimeSeconds ?? 60;
  if (!(lifetimeS >= 10 && lifetimeS <= 3600)) throw new TypeError('dpop.nonce.lifetimeSeconds must be from 10 to 3600');
  return createNonceIssuer(secret, now, lifetimeS * 1000);
}
