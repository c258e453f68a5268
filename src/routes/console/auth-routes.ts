/**
 * Sign-in and sign-out. Sign-in takes an operator key or a sign-on token and verifies it with
 * the admin API's own authentication (authenticateOperator); the credential is never stored
 * or echoed, only the resulting identity is sealed into the session. The sign-in form is
 * protected against login CSRF by a token in a short-lived cookie of its own. Failed sign-ins
 * count against the same per-address backoff as the admin API and are audited the same way.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt, type JWTPayload } from 'jose';
import { authenticateOperator, refusalAfterCheck, type OperatorIdentity, type OperatorKeySets } from '../../admin/index.js';
import { clearCookie, keyProof, newSession, readCookie, setCookie, signInPage, signOnProof, type SignInProof } from '../../console/index.js';
import { clientBucket } from '../../http/index.js';
import type { Policy } from '../../policy/index.js';
import type { OperatorAuthDefense } from '../admin/operator-auth-defense.js';
import { audit, revokedSessionKey, type ConsoleKit } from './kit.js';
import { formField } from './form.js';

const SIGN_IN_FORM_S = 600;

export function registerAuthRoutes(app: FastifyInstance, kit: ConsoleKit, keySets: OperatorKeySets, defense: OperatorAuthDefense): void {
  const { ctx } = kit;

  const form = (request: FastifyRequest, reply: FastifyReply, status: number, options: { failed?: string; signedOut?: boolean } = {}) => {
    const jar = kit.jar(request);
    const token = randomBytes(24).toString('base64url');
    void reply.header('set-cookie', setCookie(jar, jar.preSession, token, SIGN_IN_FORM_S));
    const oidc = ctx.policy.current().policy.operatorIssuers.length > 0;
    return reply.code(status).type('text/html; charset=utf-8').send(signInPage(kit.assets, token, { ...options, oidc }).toString());
  };

  app.get('/sign-in', async (request, reply) => {
    if (await kit.readSession(request, reply)) return reply.redirect('/console/inventory', 303);
    return form(request, reply, 200, { signedOut: (request.query as Record<string, string>).signed_out === '1' });
  });

  app.post('/sign-in', async (request, reply) => {
    const jar = kit.jar(request);
    const nowMs = ctx.clock();
    const address = clientBucket(request);
    /** Refused without the credential counting, as at the admin API. */
    const refused = (refusedForMs: number) => {
      defense.failures.refused(address);
      const wait = Math.ceil(refusedForMs / 1000);
      void reply.header('retry-after', String(wait));
      return form(request, reply, 429, { failed: `Too many failed sign-ins from your address: try again in ${wait} s.` });
    };
    const refusedForMs = await defense.backoff.refusedForMs(address);
    // As at the admin API: refused without looking at the credential.
    if (refusedForMs > 0) return refused(refusedForMs);
    const body = request.body as Record<string, unknown> | null;
    if (kit.rejectsForm(request, readCookie(request.headers.cookie, jar.preSession) ?? '', {})) {
      return form(request, reply, 403, { failed: 'The sign-in form expired or came from another site: try again.' });
    }
    const credential = formField(body, 'credential')?.trim() ?? '';
    // One policy for the check and the proof, even if a reload lands while the key set is fetched.
    const compiled = ctx.policy.current();
    const result = await authenticateOperator(`Bearer ${credential}`, compiled, keySets, nowMs);
    // As at the admin API, only a credential that does not authenticate counts (an empty form guesses nothing).
    const attempt = result.ok ? (result.identity.role === null ? 'not_counted' : 'succeeded') : result.reason === 'no_credential' ? 'not_counted' : 'failed';
    const since = await refusalAfterCheck(defense.backoff, address, attempt);
    if (since > 0) return refused(since);
    if (!result.ok || result.identity.role === null) {
      defense.failures.failed(address, result.ok ? 'no_role' : result.reason, { channel: 'console', remote_address: request.ip });
      return form(request, reply, 401, { failed: result.ok ? 'Signed in, but no role is mapped to you: ask an admin.' : 'Sign-in failed: unknown key or invalid token.' });
    }
    const { identity } = result;
    const claims = identity.method === 'oidc' ? decodeJwt(credential) : undefined;
    const proof = proofOf(identity, credential, claims, compiled.policy);
    if (!proof) throw new Error('sign-on identity without its issuer in the policy');
    // A sign-on token's session ends when the token would have (its exp, verified above).
    const tokenExpMs = typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
    const operator = { id: identity.id, role: identity.role as NonNullable<typeof identity.role>, method: identity.method, ...(identity.issuer ? { issuer: identity.issuer } : {}), ...(identity.email ? { email: identity.email } : {}) };
    const session = newSession({ operator, proof, epochMs: await ctx.store.epoch() }, nowMs, tokenExpMs);
    audit(ctx, 'operator_signed_in', { operator: identity.id, operator_role: identity.role, operator_auth: identity.method, channel: 'console', session_expires_at: new Date(session.exp).toISOString(), remote_address: request.ip });
    kit.writeSession(request, reply, session);
    void reply.header('set-cookie', clearCookie(jar, jar.preSession));
    return reply.redirect('/console/inventory', 303);
  });

  app.post('/sign-out', { preHandler: [kit.require('auditor'), kit.requireCsrf] }, async (request, reply) => {
    const session = kit.session(request);
    const jar = kit.jar(request);
    // Revoked in the store until it would have expired: a copy of the cookie is dead on every instance.
    await ctx.store.revokeToken(revokedSessionKey(session.sid), session.exp);
    audit(ctx, 'operator_signed_out', { operator: session.operator.id, channel: 'console', remote_address: request.ip });
    void reply.header('set-cookie', clearCookie(jar, jar.session));
    return reply.redirect('/console/sign-in?signed_out=1', 303);
  });
}

/**
 * What the session keeps to derive the role again on each request (never the credential). A
 * sign-on token was verified by authenticateOperator, so reading its claims unverified here is safe.
 */
function proofOf(identity: OperatorIdentity, credential: string, claims: JWTPayload | undefined, policy: Policy): SignInProof | null {
  if (identity.method === 'key') return keyProof(credential);
  const issuer = policy.operatorIssuers.find((i) => i.issuer === identity.issuer);
  return issuer && claims ? signOnProof(issuer, claims[issuer.roleClaim]) : null;
}
