/**
 * One SET received on this API's stream, by poll or push, taken in: verified
 * (security-event-token.ts), applied once (a jti seen before is acknowledged, not applied
 * again), and answered: `ack`, `retry` (the broker's keys could not confirm it yet: the SET is
 * kept by the broker and comes again), or an RFC 8935 §2.4 error for a SET refused for good.
 * An unknown key is worth one forced refetch of the broker's JWKS (at most one a second): after
 * an emergency rotation the broker signs with a key published that very moment.
 */
import type { JWTVerifyGetKey } from 'jose';
import { applySecurityEvent, type EventEffect } from './revocation-events.js';
import type { RevocationState } from './revocation-state.js';
import { SetError, verifySecurityEventToken } from './security-event-token.js';

export type IntakeResult = { result: 'ack'; effects: EventEffect[] } | { result: 'retry' } | { result: 'error'; err: string; description: string };

export interface IntakeDeps {
  issuer: string;
  algorithms: readonly string[];
  toleranceS: number;
  now: () => number;
  maxTokenLifetimeMs: number;
  state: RevocationState;
  getKey: JWTVerifyGetKey;
  refreshKeys(): Promise<void>;
}

const REFRESH_AT_MOST_EVERY_MS = 1_000;

/** jtis already applied, kept as long as a SET can be accepted (bounded). */
const MAX_SEEN = 100_000;

export function createSetIntake(deps: IntakeDeps) {
  const seen = new Map<string, number>();
  let refreshedAt = Number.NEGATIVE_INFINITY;
  const verify = (set: string, audience: string) => verifySecurityEventToken(set, deps.getKey, {
    issuer: deps.issuer, audience, algorithms: deps.algorithms, toleranceS: deps.toleranceS, nowMs: deps.now(), maxAgeMs: deps.maxTokenLifetimeMs,
  });
  const verifyRefreshing = async (set: string, audience: string) => {
    try {
      return await verify(set, audience);
    } catch (error) {
      if (!(error instanceof SetError) || error.err !== 'invalid_key' || performance.now() - refreshedAt < REFRESH_AT_MOST_EVERY_MS) throw error;
      refreshedAt = performance.now();
      await deps.refreshKeys().catch(() => undefined);
      return verify(set, audience);
    }
  };

  const remember = (jti: string) => {
    const nowMs = deps.now();
    for (const [old, untilMs] of seen) {
      if (untilMs > nowMs && seen.size < MAX_SEEN) break;
      seen.delete(old);
    }
    seen.set(jti, nowMs + deps.maxTokenLifetimeMs + 2 * deps.toleranceS * 1000);
  };

  return async (set: string, audience: string, expectedJti?: string): Promise<IntakeResult> => {
    let claims;
    try {
      claims = await verifyRefreshing(set, audience);
    } catch (error) {
      if (!(error instanceof SetError)) throw error;
      return error.err === 'invalid_key' ? { result: 'retry' } : { result: 'error', err: error.err, description: error.description };
    }
    if (expectedJti !== undefined && claims.jti !== expectedJti) return { result: 'error', err: 'invalid_request', description: 'the SET\'s jti is not the one it was sent under' };
    if (seen.has(claims.jti)) return { result: 'ack', effects: [] };
    const effects = applySecurityEvent(claims, deps.state, deps.issuer);
    remember(claims.jti);
    return { result: 'ack', effects };
  };
}

export type SetIntake = ReturnType<typeof createSetIntake>;
