/**
 * Pre-built request bodies, each carrying a different token (unique jti and iat/exp
 * spread), signed with node:crypto before a run so the load generator spends no CPU on it.
 */
import { AUDIENCE, K8S_AUDIENCE, K8S_ISSUER, NAMESPACE, type BenchPolicy } from './policy.js';
import { signEs256, uuid, verifyEs256 } from './jwt.js';

export type Scenario = 'floor' | 'floor_state' | 'exchange' | 'client_credentials';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
export const FORM_HEADERS: Readonly<Record<string, string>> = FORM;

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** `count` bodies for `scenario`; agents are used round-robin. */
export function buildBodies(scenario: Scenario, count: number, policy: BenchPolicy, stsIssuer: string): string[] {
  const nowS = Math.floor(Date.now() / 1000);
  const bodies = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const agent = policy.agents[i % policy.agents.length]!;
    if (scenario === 'client_credentials') {
      const assertion = signEs256(agent.key, { iss: agent.id, sub: agent.id, aud: stsIssuer, jti: uuid(), iat: nowS, exp: nowS + 240 });
      bodies[i] = form({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        audience: AUDIENCE,
      });
    } else {
      // A Kubernetes projected service-account token's shape.
      const attestation = signEs256(policy.issuerKey, {
        iss: K8S_ISSUER, sub: agent.subject, aud: [K8S_AUDIENCE], jti: uuid(), iat: nowS, nbf: nowS, exp: nowS + 600,
        'kubernetes.io': { namespace: NAMESPACE, serviceaccount: { name: agent.id, uid: uuid() } },
      });
      bodies[i] = form({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: attestation,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        audience: AUDIENCE,
      });
    }
  }
  // Self-check one token so a signing bug shows here, not as a wall of 400s.
  const sample = new URLSearchParams(bodies[0]);
  const token = sample.get('subject_token') ?? sample.get('client_assertion') ?? '';
  const key = scenario === 'client_credentials' ? policy.agents[0]!.key.publicKey : policy.issuerKey.publicKey;
  verifyEs256(token, key, nowS);
  return bodies;
}
