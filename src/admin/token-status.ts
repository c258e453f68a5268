/**
 * Is a token of ours still good? Shared by introspection (RFC 7662), revocation (RFC 7009) and
 * the admin token revocation. verifyBrokerToken checks the signature against our own ring,
 * the issuer, exp/nbf and compromised keys; then the store: revoked by jti, by its agent's
 * revocation, or issued before the store's epoch (the store lost its state).
 */
import { verifyBrokerToken, type AccessTokenClaims, type BrokerKeySource } from '../signing/index.js';
import type { Store } from '../store/types.js';

type TokenStatus =
  | { active: true; kid: string; claims: AccessTokenClaims }
  | { active: false; reason: string; claims?: AccessTokenClaims };

interface TokenStatusDeps {
  ring: BrokerKeySource;
  issuer: string;
  store: Store;
  nowMs: number;
}

/** Store failures (StoreUnavailableError) propagate: the caller answers 503, never "active". */
export async function tokenStatus(token: string, deps: TokenStatusDeps): Promise<TokenStatus> {
  const verified = await verifyBrokerToken(token, { ring: deps.ring, issuer: deps.issuer, now: deps.nowMs });
  if (!verified.ok) return { active: false, reason: verified.reason };
  const { claims, header } = verified;
  const state = await deps.store.checkToken(claims.jti, claims.client_id);
  if (state.revoked) return { active: false, reason: 'revoked', claims };
  const byTime = revocationByTime(claims.iat, state.control.revokedBeforeMs, state.epochMs);
  if (byTime) return { active: false, reason: byTime, claims };
  return { active: true, kid: header.kid, claims };
}

/**
 * `iat` has whole seconds; the store's instants are ms. An agent revocation at R revokes
 * every token whose issue second starts at or before R (it may over-revoke within that
 * second: fail closed). The epoch refuses tokens surely issued before it (their whole second
 * ended by then), so a token minted in the epoch's first second stays good.
 */
export function revocationByTime(iat: number, revokedBeforeMs: number | null, epochMs: number): 'agent_revoked' | 'before_epoch' | null {
  if (revokedBeforeMs !== null && iat * 1000 <= revokedBeforeMs) return 'agent_revoked';
  if ((iat + 1) * 1000 <= epochMs) return 'before_epoch';
  return null;
}
