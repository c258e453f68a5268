/**
 * A token-exchange subject_token is either attestation; the unverified `iss`/`sub` only
 * choose which verifier runs, and that verifier decides.
 */
import type { DecodedJws, JwsFailure } from '../jws/index.js';
import { inspectToken } from './inspect-token.js';
import { failure } from './result.js';
import type { AttestationContext, AttestationResult } from './types.js';
import { verifyAgentAssertion } from './verify-agent-assertion.js';
import { verifyIssuerToken } from './verify-issuer-token.js';

export async function verifySubjectToken(token: string, ctx: AttestationContext, decoded?: DecodedJws | JwsFailure): Promise<AttestationResult> {
  const inspected = inspectToken(token, ctx.stsIssuer, decoded);
  if (!inspected.ok) return inspected;
  const { iss, sub } = inspected.payload;
  if (typeof iss !== 'string') return failure('unknown_issuer', 'iss missing or not a string');
  if (ctx.policy.issuersByIss.has(iss)) return verifyIssuerToken(token, ctx, inspected);
  const agent = iss === sub ? ctx.policy.agentsById.get(iss) : undefined;
  if (agent && agent.attestation.some((entry) => entry.kind === 'keys')) return verifyAgentAssertion(token, ctx, inspected);
  return failure('unknown_issuer', 'iss is neither a trusted issuer nor an agent with keys');
}
