/** The rules of the mint step (pure, apart from asking the signer and the audit trail whether they can serve). */
import type { AuditTrail } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Signer } from '../signing/index.js';
import type { Caller, Grant, GrantRequest } from './grants/index.js';

/**
 * TTL = the decision's (min of tier, intent and the hard cap), in whole seconds, and never past
 * the subject token's own expiry: a token exchanged from an attestation dies with it (and a
 * delegated one with the actor's attestation too). A client assertion authenticates only and
 * does not cap the lifetime.
 */
export function lifetimeSeconds(ttlMs: number, caller: Caller, issuedAtMs: number, grant: Grant<GrantRequest>): number {
  const byPolicy = Math.max(1, Math.floor(ttlMs / 1000));
  if (caller.notAfterMs === undefined) return byPolicy;
  const left = Math.floor(caller.notAfterMs / 1000) - Math.floor(issuedAtMs / 1000);
  if (left < 1) throw grant.refusals.proof('attestation_invalid', 'the subject token expires within the clock tolerance');
  return Math.min(byPolicy, left);
}

/** No signing key yet (a shared ring not loaded): the broker is not ready, 503 rather than 500. */
export function currentSigner(signer: () => Signer): Signer {
  try {
    return signer();
  } catch (error) {
    throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: `no signing key: ${(error as Error).message}`,
    });
  }
}

/** No unrecorded tokens: while the audit trail cannot be written, nothing is minted. */
export function ensureAuditWritable(audit: AuditTrail): void {
  if (!audit.healthy() && !audit.probe()) {
    throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: 'audit trail not writable',
    });
  }
}

