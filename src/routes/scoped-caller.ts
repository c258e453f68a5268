/**
 * Callers of the broker's own services (introspection, Shared Signals stream management)
 * authenticate with a bearer token of ours: minted by this broker for the broker itself
 * (`aud` = the issuer), still active (signature, revocation), carrying the service's scope.
 * No or a bad token is 401 invalid_token; a good one without that audience or scope is 403
 * insufficient_scope (RFC 6750 §3.1).
 */
import type { FastifyRequest } from 'fastify';
import { bearerCredential, tokenStatus, type AdminKeyRing } from '../admin/index.js';
import type { BrokerContext } from '../context.js';
import { insufficientScope, invalidToken } from '../http/index.js';
import type { AccessTokenClaims } from '../signing/index.js';

export async function authenticateScopedCaller(request: FastifyRequest, ctx: BrokerContext, keyRing: AdminKeyRing, scope: string): Promise<AccessTokenClaims> {
  const parsed = bearerCredential(request.headers.authorization);
  if ('reason' in parsed) throw invalidToken(`a bearer token with the ${scope} scope is required`, parsed.reason);
  const status = await tokenStatus(parsed.credential, { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs: ctx.clock() });
  if (!status.active) {
    request.log.info({ reason: status.reason, scope }, 'caller refused');
    throw invalidToken('the bearer token is not valid', 'caller_refused');
  }
  if (status.claims.aud !== ctx.config.issuer || !status.claims.scope.split(' ').includes(scope)) {
    request.log.info({ reason: 'wrong_audience_or_scope', caller: status.claims.sub, scope }, 'caller refused');
    throw insufficientScope(`this needs a token for ${ctx.config.issuer} with the ${scope} scope`, 'caller_refused', scope);
  }
  return status.claims;
}
