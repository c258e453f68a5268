/**
 * RFC 7523 §2.1, the JWT bearer grant, as MCP's workload identity federation uses it: the
 * assertion is the workload's platform token (or the agent's own assertion), checked exactly
 * like a token exchange's subject token; a client assertion may authenticate the same agent
 * alongside. A bad assertion is invalid_grant (RFC 7523 §3.1).
 */
import { verifySubjectToken } from '../../attestation/index.js';
import { refuseRepeats, single, type FormParams } from '../../http/form-body.js';
import { readClientAuthentication } from '../client-auth.js';
import { ASSERTION_REFUSALS } from '../refusals.js';
import { readTarget } from '../target.js';
import { boundedToken } from './bounded-token.js';
import type { Grant, GrantRequest, RequestHeaders } from './grant.js';
import { toAuthentication, withClientAssertion, withClientId } from './prove.js';

export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface JwtBearerRequest extends GrantRequest {
  readonly assertion: string;
  readonly clientAssertion?: string;
  readonly clientId?: string;
}

function parse(params: FormParams, headers: RequestHeaders): JwtBearerRequest {
  refuseRepeats(params, ['audience', 'resource']);
  const assertion = boundedToken(single(params, 'assertion'), 'assertion', 'invalid_grant');
  const { clientAssertion, clientId } = readClientAuthentication(params, headers.authorization, false);
  const target = readTarget(params);
  const request: JwtBearerRequest = { grant: 'jwt_bearer', assertion, ...target };
  return Object.assign(request, clientAssertion === undefined ? {} : { clientAssertion }, clientId === undefined ? {} : { clientId });
}

export const jwtBearerGrant: Grant<JwtBearerRequest> = {
  name: 'jwt_bearer',
  type: GRANT_JWT_BEARER,
  parse,
  async authenticate(request, ctx) {
    const proof = toAuthentication(await verifySubjectToken(request.assertion, ctx.attestation), ASSERTION_REFUSALS);
    if (!proof.ok) return proof;
    // Like a subject token: the issued token never outlives the assertion.
    const client = await withClientAssertion({ ...proof.caller, notAfterMs: proof.caller.proof.expiresAtMs }, request.clientAssertion, ctx.attestation);
    return withClientId(client, request.clientId);
  },
  refusals: ASSERTION_REFUSALS,
};
