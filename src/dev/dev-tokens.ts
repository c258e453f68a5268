/**
 * Development tokens for the sample: a Kubernetes-style attestation from the dev issuer
 * (`agent-sts dev attest AGENT`) and an RFC 7523 agent assertion signed with the agent's dev
 * key (`agent-sts dev assertion AGENT`). They let a newcomer walk the whole exchange with curl.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import type { ClaimBinding, CompiledPolicy } from '../policy/types.js';
import { readPrivateJwk } from './dev-keys.js';

export async function devAttestation(policy: CompiledPolicy, agentId: string, nowMs: number, ttlSeconds = 600): Promise<string> {
  const agent = requireAgent(policy, agentId);
  for (const entry of agent.attestation) {
    if (entry.kind !== 'issuer') continue;
    const issuer = policy.issuersByIss.get(entry.issuer);
    if (!issuer?.jwksFile) continue;
    const jwk = readPrivateJwk(issuer.jwksFile);
    const iat = Math.floor(nowMs / 1000);
    const payload: JWTPayload = { ...nestedClaims(entry.claims), jti: randomUUID() };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: jwk.alg ?? 'ES256', kid: jwk.kid ?? '', typ: 'JWT' })
      .setIssuer(issuer.issuer)
      .setSubject(entry.subject)
      .setAudience(issuer.audience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + Math.min(ttlSeconds, Math.floor(issuer.maxAgeMs / 1000)))
      .sign(await importJWK(jwk, jwk.alg ?? 'ES256'));
  }
  throw new Error(`agent ${agentId} has no attestation from an issuer with development keys (a jwks_file in dev/)`);
}

export async function devAssertion(policy: CompiledPolicy, agentId: string, audience: string, nowMs: number): Promise<string> {
  const agent = requireAgent(policy, agentId);
  for (const entry of agent.attestation) {
    if (entry.kind !== 'keys' || !entry.jwksFile) continue;
    const jwk = readPrivateJwk(entry.jwksFile);
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: jwk.alg ?? 'ES256', kid: jwk.kid ?? '', typ: 'JWT' })
      .setIssuer(agent.id)
      .setSubject(agent.id)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 120)
      .sign(await importJWK(jwk, jwk.alg ?? 'ES256'));
  }
  throw new Error(`agent ${agentId} has no development key (a keys entry with a jwks_file in dev/)`);
}

/**
 * A person's access token from the sample's development identity provider (the first user
 * issuer with development keys), for the delegation walk-through: `sub` the person, the
 * delegable `scope`, and optionally RFC 8693 §4.4 `may_act` naming the one agent allowed to act.
 */
export async function devPersonToken(policy: CompiledPolicy, person: string, nowMs: number, options: { scope: string; mayAct?: string; ttlSeconds?: number }): Promise<string> {
  const issuer = policy.policy.userIssuers.find((i) => i.jwksFile !== undefined);
  if (!issuer?.jwksFile) throw new Error('the policy has no user issuer with development keys (a user_issuers entry with a jwks_file in dev/)');
  const jwk = readPrivateJwk(issuer.jwksFile);
  const iat = Math.floor(nowMs / 1000);
  const lifetime = Math.min(options.ttlSeconds ?? 3600, issuer.maxAgeMs === undefined ? 3600 : Math.floor(issuer.maxAgeMs / 1000));
  return new SignJWT({ scope: options.scope, jti: randomUUID(), ...(options.mayAct ? { may_act: { sub: options.mayAct } } : {}) })
    .setProtectedHeader({ alg: jwk.alg ?? 'ES256', kid: jwk.kid ?? '', typ: 'at+jwt' })
    .setIssuer(issuer.issuer)
    .setSubject(person)
    .setAudience(issuer.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(await importJWK(jwk, jwk.alg ?? 'ES256'));
}

function requireAgent(policy: CompiledPolicy, agentId: string) {
  const agent = policy.agentsById.get(agentId);
  if (!agent) throw new Error(`no agent ${agentId} in the policy`);
  return agent;
}

/** Build the claims a binding set requires, nesting JSON Pointer paths. */
function nestedClaims(bindings: ClaimBinding[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const binding of bindings) {
    let node = root;
    binding.path.forEach((segment, index) => {
      if (index === binding.path.length - 1) node[segment] = binding.value;
      else node = (node[segment] ??= {}) as Record<string, unknown>;
    });
  }
  return root;
}
