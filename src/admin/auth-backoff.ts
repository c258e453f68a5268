/**
 * Backoff on failed operator authentication, per client address: after a few failures in a
 * window, attempts from that address are refused without checking the credential, for a
 * time that doubles with each further failure, up to a bound. The count lives windowMs after
 * the last failure (and at least until the refusal ends), so a patient guesser keeps the
 * doubled refusals. Two implementations share one contract: in memory (one instance, the
 * injected clock) and in Redis (every instance, Redis time).
 */
import type { Clock } from '../clock.js';

export interface AuthBackoff {
  /** How long attempts from `address` are refused now, in ms (0: not refused). */
  refusedForMs(address: string): Promise<number>;
  /** Counts a failed authentication from `address` unless it is refused already, in one atomic step. */
  recordFailure(address: string): Promise<FailureOutcome>;
}

export interface FailureOutcome {
  /** How long the address is refused for now (0: not yet). */
  refusalMs: number;
  /**
   * The address was refused already when this failure came in: attempts checked at the same
   * time crossed the line first. It is not counted, and is answered as refused like the attempts
   * refused unchecked: a burst of guesses gets no more answers, and no longer a refusal, than
   * the same guesses sent one by one.
   */
  alreadyRefused: boolean;
}

export interface BackoffSchedule {
  /** The failure that starts the refusals (the ones before it are answered normally). */
  refuseFrom: number;
  windowMs: number;
  firstRefusalMs: number;
  maxRefusalMs: number;
}

export const OPERATOR_AUTH_BACKOFF: BackoffSchedule = { refuseFrom: 5, windowMs: 10 * 60_000, firstRefusalMs: 1_000, maxRefusalMs: 15 * 60_000 };

/** The refusal after the `failures`-th failure in a window: none, then doubling from the first, bounded. */
export function refusalAfter(failures: number, schedule: BackoffSchedule): number {
  if (failures < schedule.refuseFrom) return 0;
  const doublings = Math.min(failures - schedule.refuseFrom, 40);
  return Math.min(schedule.maxRefusalMs, schedule.firstRefusalMs * 2 ** doublings);
}

/** Every distinct refusal, in order, up to the bound (the Redis script indexes it by failure count). */
export function refusalTable(schedule: BackoffSchedule): number[] {
  const table: number[] = [];
  for (let failures = 1; table.at(-1) !== schedule.maxRefusalMs && failures < 200; failures++) table.push(refusalAfter(failures, schedule));
  return table;
}

interface Entry {
  failures: number;
  refusedUntilMs: number;
  forgetAtMs: number;
}

/** Bounded: past `maxAddresses` the entry touched longest ago is dropped first. */
export function createMemoryAuthBackoff(clock: Clock, schedule: BackoffSchedule = OPERATOR_AUTH_BACKOFF, maxAddresses = 10_000): AuthBackoff {
  const entries = new Map<string, Entry>();
  const live = (address: string, nowMs: number): Entry | undefined => {
    const entry = entries.get(address);
    if (entry && nowMs >= entry.forgetAtMs) entries.delete(address);
    return entries.get(address);
  };
  return {
    async refusedForMs(address) {
      const nowMs = clock();
      return Math.max(0, (live(address, nowMs)?.refusedUntilMs ?? 0) - nowMs);
    },
    async recordFailure(address) {
      const nowMs = clock();
      const entry = live(address, nowMs) ?? { failures: 0, refusedUntilMs: 0, forgetAtMs: 0 };
      // Not counted while refused, as an attempt refused unchecked is not (the Redis script alike).
      if (entry.refusedUntilMs > nowMs) return { refusalMs: entry.refusedUntilMs - nowMs, alreadyRefused: true };
      entry.failures += 1;
      const refusalMs = refusalAfter(entry.failures, schedule);
      if (refusalMs > 0) entry.refusedUntilMs = nowMs + refusalMs;
      entry.forgetAtMs = nowMs + Math.max(schedule.windowMs, refusalMs);
      entries.delete(address);
      entries.set(address, entry);
      if (entries.size > maxAddresses) entries.delete(entries.keys().next().value as string);
      return { refusalMs, alreadyRefused: false };
    },
  };
}

/** What the backoff makes of an attempt once its credential was checked. */
export type CheckedAttempt = 'succeeded' | 'failed' | 'not_counted';

/**
 * How long an attempt whose credential was just checked must be answered as refused (0: answer
 * it as checked). A failure is counted, and refused if concurrent attempts had already started
 * the refusals; a success is refused if they started meanwhile, or a burst would learn the right
 * key among its guesses.
 */
export async function refusalAfterCheck(backoff: AuthBackoff, address: string, attempt: CheckedAttempt): Promise<number> {
  if (attempt === 'succeeded') return backoff.refusedForMs(address);
  if (attempt === 'not_counted') return 0;
  const outcome = await backoff.recordFailure(address);
  return outcome.alreadyRefused ? outcome.refusalMs : 0;
}
