/**
 * Claim bindings of an issuer attestation entry.
 *
 * A key starting with `/` is an RFC 6901 JSON Pointer into the token's claims
 * ("/kubernetes.io/namespace" reads claims["kubernetes.io"]["namespace"]); any other key
 * is a top-level claim name taken literally (so "kubernetes.io" is one claim).
 *
 * The matching rule (applied by attestation): a bound claim matches only when the token's
 * value has the same JSON type as the policy's value and is exactly equal to it. No case
 * folding, no trimming, no number/string coercion, and an array claim never matches a
 * scalar (not even a one-element array). Bound values must therefore be scalars.
 */
import type { ClaimBinding } from './types.js';

/** Decoded path of a claim key, or an error message. */
export function parseClaimKey(key: string): { path: string[] } | { error: string } {
  if (key.length === 0) return { error: 'claim name must not be empty' };
  if (!key.startsWith('/')) return { path: [key] };
  const tokens = key.slice(1).split('/');
  for (const token of tokens) {
    // RFC 6901 §3: `~` must be followed by 0 or 1.
    if (/~(?![01])/.test(token)) return { error: 'invalid JSON Pointer (RFC 6901): "~" must be followed by 0 or 1' };
  }
  // RFC 6901 §4: decode ~1 before ~0.
  return { path: tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')) };
}

type ClaimsResult = { bindings: ClaimBinding[]; errors: Array<{ key: string; message: string }> };

export function parseClaimBindings(claims: Record<string, unknown>): ClaimsResult {
  const bindings: ClaimBinding[] = [];
  const errors: ClaimsResult['errors'] = [];
  for (const [key, value] of Object.entries(claims)) {
    const parsed = parseClaimKey(key);
    if ('error' in parsed) {
      errors.push({ key, message: parsed.error });
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      errors.push({
        key,
        message: 'must be a string, number or boolean: a bound claim matches only an exactly equal value of the same type',
      });
      continue;
    }
    bindings.push({ key, path: parsed.path, value });
  }
  return { bindings, errors };
}

/** Canonical form of a set of bindings, to find two agents claiming the same identity. */
export function bindingsFingerprint(bindings: readonly ClaimBinding[]): string {
  return JSON.stringify(
    bindings.map((b) => [b.path, b.value] as const).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );
}
