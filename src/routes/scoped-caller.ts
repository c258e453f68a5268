/**
 * Callers of the broker's own services (introspection, Shared Signals stream management)
 * authenticate with a token of ours: minted by this broker for the broker itself (`aud` = the
 * issuer), still active (signature, revocation, its agents' standing), carrying the service's
 * scope; a DPoP-bound one with a proof for this very request (RFC 9449 §7). No token, a bad
 * one or one for another audience is 401 invalid_token; a good one without that scope is 403
 * insufficient_scope (RFC 6750 §3.1).
 */
import type { FastifyRequest } from 'fastify';
import type { AdminKeyRing } from '../admin/index.js';
import type { BrokerContext } from '../context.js';
import type { NonceIssuer } from '../dpop/index.js';
import type { AccessTokenClaims } from '../signing/index.js';
import { authenticateOwnToken } from '../tokens/index.js';

export async function authenticateScopedCaller(
  request: FastifyRequest, ctx: BrokerContext, keyRing: AdminKeyRing, scope: string, nonces?: NonceIssuer,
): Promise<AccessTokenClaims> {
  // RFC 9449 §4.3: htu is the request's URI without query and fragment, under our own issuer.
  const path = request.url.split('?', 1)[0] as string;
  try {
    return await authenticateOwnToken(
      { authorization: request.headers.authorization, dpop: request.headers.dpop, method: request.method, uri: `${ctx.config.issuer}${path}` },
      scope,
      { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs: ctx.clock(), nonces },
    );
  } catch (error) {
    request.log.info({ reason: (error as { reason?: string }).reason, scope }, 'caller refused');
    throw error;
  }
}
