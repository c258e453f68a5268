/**
 * The revocation check of verify(): a token the broker's stream said is revoked (its agent
 * suspended or revoked, an agent of its delegation chain, its person, its jti, its signing
 * key, or everything issued before a gap) is invalid_token; with failClosedAfterMs, a stream
 * not heard from for that long makes every token 503 rather than pass unchecked.
 */
import { decodeProtectedHeader } from 'jose';
import { invalidToken, unavailable } from './errors.js';
import type { RevocationFeed } from './revocation-feed.js';
import type { AgentPrincipal } from './types.js';

export function checkRevocations(feed: RevocationFeed, principal: AgentPrincipal, token: string, context: { issuer: string; nowMs: number; failClosedAfterMs: number | undefined }): void {
  void feed.start().catch(() => undefined);
  if (context.failClosedAfterMs !== undefined && context.nowMs - feed.lastContactMs() > context.failClosedAfterMs) {
    throw unavailable('revocations_unavailable', new Error('the revocation stream is silent'));
  }
  const subjectIssuer = principal.claims.subject_issuer;
  const reason = feed.state.check({
    iat: Math.floor(principal.issuedAtMs / 1000),
    jti: principal.tokenId,
    clientId: principal.agent,
    sub: principal.subject,
    ...(typeof subjectIssuer === 'string' ? { subjectIssuer } : {}),
    actors: (principal.act ?? []).map((actor) => actor.client_id ?? actor.sub),
    // The token was verified: its header is the signed one.
    kid: decodeProtectedHeader(token).kid,
  }, context.issuer);
  if (reason !== null) throw invalidToken('revoked', 'the access token has been revoked');
}
