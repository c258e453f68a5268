/** Revoking one token (operator) and rotating the signing keys (admin). */
import { findIssuedToken, tokenStatus, type AdminKeyRing } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { TypeBoxApp } from '../../http/index.js';
import { HARD_MAX_TTL_MS } from '../../policy/index.js';
import type { OperatorGuard } from './guard.js';
import { applyAction } from './record-action.js';
import { RotateBody, RotateReply, TokenRevokeBody, TokenRevokeReply } from './schemas.js';

export function registerKeyTokenActions(app: TypeBoxApp, ctx: BrokerContext, guard: OperatorGuard, keyRing: AdminKeyRing): void {
  app.post('/tokens/revoke', {
    preParsing: guard.require('operator'),
    schema: { body: TokenRevokeBody, response: { 200: TokenRevokeReply } },
  }, async (request) => {
    const operator = guard.operator(request);
    const body = request.body;
    const nowMs = ctx.clock();
    let jti: string;
    let untilMs: number;
    let agent: string | null = null;
    // Who may learn of the revocation: the token's audience when known, every receiver otherwise.
    let audience: string | undefined;
    let known = true;
    if (body.token !== undefined && body.jti === undefined) {
      const status = await tokenStatus(body.token, { ring: keyRing, issuer: ctx.config.issuer, store: ctx.store, nowMs });
      // Only a token whose signature we verified names its jti; an expired one is already dead.
      if (!status.claims) throw new OAuthError('invalid_request', 'not a valid token of this broker (bad signature, foreign or expired)');
      jti = status.claims.jti;
      untilMs = status.claims.exp * 1000;
      agent = status.claims.client_id;
      audience = status.claims.aud;
    } else if (body.jti !== undefined && body.token === undefined) {
      jti = body.jti;
      // A jti is looked up among recently issued tokens; one not found (a typo, or a record
      // the capped stream no longer holds) is revoked anyway, for the longest token life,
      // and the reply says it was not found: an operator revoking must never be held back.
      const issued = await findIssuedToken(ctx.store, jti, nowMs);
      known = issued.found;
      agent = issued.found ? issued.agent : null;
      untilMs = (issued.found ? issued.expiresAtMs : null) ?? nowMs + HARD_MAX_TTL_MS;
    } else {
      throw new OAuthError('invalid_request', 'give exactly one of jti or token');
    }
    const { audited } = await applyAction(ctx, request, operator, 'token_revoked', {
      jti,
      ...(agent ? { agent } : {}),
      revoked_until: untilMs,
      reason: body.reason ?? null,
      by: 'operator',
      known,
    }, async () => {
      await ctx.store.revokeToken(jti, untilMs);
      ctx.onRevoked('token');
    }, () => ctx.securityEvents.emit({ kind: 'token_revoked', jti, ...(audience === undefined ? {} : { audience }), atMs: nowMs, initiator: 'admin' }));
    return { jti, revoked_until: new Date(untilMs).toISOString(), agent, known, audited };
  });

  app.post('/keys/rotate', {
    preParsing: guard.require('admin'),
    schema: { body: RotateBody, response: { 200: RotateReply } },
  }, async (request) => {
    const operator = guard.operator(request);
    const body = request.body ?? {};
    const compromised = body.compromised === true;
    const fields: Record<string, unknown> = { compromised, reason: body.reason ?? null };
    // Named before the write: if the store does not confirm it, the key it withdrew is this one.
    const signingKid = compromised ? currentKid(keyRing) : null;
    const { result, audited } = await applyAction(ctx, request, operator, 'keys_rotated', fields, async () => {
      const rotated = await keyRing.rotateNow({ compromised });
      Object.assign(fields, { activated_kid: rotated.activatedKid, retired_kid: rotated.retiredKid, compromised_kid: rotated.compromisedKid });
      if (rotated.compromisedKid) ctx.onRevoked('key');
      return rotated;
    }, (rotated) => {
      const kid = rotated ? rotated.compromisedKid : signingKid;
      if (kid) ctx.securityEvents.emit({ kind: 'key_compromised', kid, atMs: ctx.clock(), initiator: 'admin' });
    });
    return {
      activated_kid: result.activatedKid,
      retired_kid: result.retiredKid,
      compromised_kid: result.compromisedKid,
      audited,
    };
  });
}

/** The kid signing now, or null while the ring has no signing key. */
function currentKid(keyRing: AdminKeyRing): string | null {
  try {
    return keyRing.currentSigner().kid;
  } catch {
    return null;
  }
}
