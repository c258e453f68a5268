/**
 * The embedded store's single-use records (replay claims), bounded as a whole and per agent.
 * A claim is never forgotten before it expires: when the ledger is full the claim fails
 * (the caller answers 503), and when one agent holds its whole share its own claims fail
 * (the caller answers 429) while every other agent keeps its room. Without the per-agent
 * share, one agent flooding unique assertions would fill the ledger and lock out everyone.
 */
import type { Clock } from '../../clock.js';

export type ClaimResult = 'claimed' | 'replayed' | 'share_exhausted' | 'full';

interface Claim {
  expiresAtMs: number;
  owner: string | undefined;
}

/** Sweeping walks every claim: under a flood, at most once per this interval. */
const MIN_SWEEP_INTERVAL_MS = 1_000;

export class ReplayLedger {
  readonly #claims = new Map<string, Claim>();
  readonly #perOwner = new Map<string, number>();
  readonly #clock: Clock;
  readonly #max: number;
  readonly #share: number;
  #lastSweepMs = -Infinity;

  /** `share`: the most claims one owner (agent) may hold at once. */
  constructor(clock: Clock, max: number, share: number) {
    this.#clock = clock;
    this.#max = max;
    this.#share = Math.max(1, Math.min(share, max));
  }

  get size(): number {
    return this.#claims.size;
  }

  /** True while a new claim by an owner with room would still fail for lack of space. */
  get full(): boolean {
    return this.#claims.size >= this.#max && !this.#sweepIfDue(true);
  }

  /** Claimed and not yet expired. */
  seen(key: string): boolean {
    const claim = this.#claims.get(key);
    return claim !== undefined && claim.expiresAtMs > this.#clock();
  }

  /** `owner`: the agent whose share the claim counts against; absent, it counts only against the whole. */
  claim(key: string, ttlMs: number, owner?: string): ClaimResult {
    const nowMs = this.#clock();
    const existing = this.#claims.get(key);
    if (existing && existing.expiresAtMs > nowMs) return 'replayed';
    if (existing) this.#drop(key, existing);
    if (owner !== undefined && (this.#perOwner.get(owner) ?? 0) >= this.#share && !this.#sweepIfDue(false, owner)) return 'share_exhausted';
    if (this.#claims.size >= this.#max && !this.#sweepIfDue(true)) return 'full';
    this.#claims.set(key, { expiresAtMs: nowMs + Math.max(1, ttlMs), owner });
    if (owner !== undefined) this.#perOwner.set(owner, (this.#perOwner.get(owner) ?? 0) + 1);
    return 'claimed';
  }

  sweep(): void {
    const nowMs = this.#clock();
    this.#lastSweepMs = nowMs;
    for (const [key, claim] of this.#claims) if (claim.expiresAtMs <= nowMs) this.#drop(key, claim);
  }

  /** Sweeps (rate-limited) and says whether room was made: in the ledger, or for `owner`. */
  #sweepIfDue(whole: boolean, owner?: string): boolean {
    const nowMs = this.#clock();
    if (nowMs - this.#lastSweepMs < MIN_SWEEP_INTERVAL_MS) return false;
    this.sweep();
    return whole ? this.#claims.size < this.#max : (this.#perOwner.get(owner ?? '') ?? 0) < this.#share;
  }

  #drop(key: string, claim: Claim): void {
    this.#claims.delete(key);
    if (claim.owner === undefined) return;
    const left = (this.#perOwner.get(claim.owner) ?? 1) - 1;
    if (left > 0) this.#perOwner.set(claim.owner, left);
    else this.#perOwner.delete(claim.owner);
  }
}
