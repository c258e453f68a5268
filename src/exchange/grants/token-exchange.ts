/**
 * RFC 8693 token exchange. Without an actor, the subject token is the agent's attestation (a
 * platform token or its own RFC 7523 assertion), and a client assertion may authenticate the
 * same agent alongside. With an actor (actor_token, or the client assertion), the agent acts
 * for the subject: a person's token, or a token of ours it received (delegation.ts).
 */
import { verifyAgentAssertion, verifySubjectToken } from '../../attestation/index.js';
import { OAuthError } from '../../errors.js';
import { decodeJws } from '../../jws/index.js';
import { refuseRepeats, single, type FormParams } from '../../http/form-body.js';
import { readClientAuthentication } from '../client-auth.js';
import { ACTOR_TOKEN_REFUSALS, CLIENT_REFUSALS, SUBJECT_TOKEN_REFUSALS } from '../refusals.js';
import { readTarget } from '../target.js';
import { boundedToken } from './bounded-token.js';
import { delegate, subjectKind } from './delegation.js';
import type { Authentication, Grant, GrantContext, GrantRequest, RequestHeaders } from './grant.js';
import { toAuthentication, withClientAssertion, withClientId } from './prove.js';

export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const TOKEN_TYPE_ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';

/** RFC 8693 §3: the subject may be any JWT we can verify: an attestation, a person's ID or access token, one of ours. */
const SUBJECT_TOKEN_TYPES: ReadonlySet<string> = new Set([TOKEN_TYPE_JWT, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_ID_TOKEN]);

export interface TokenExchangeRequest extends GrantRequest {
  readonly subjectToken: string;
  readonly subjectTokenType: string;
  readonly actorToken?: string;
  readonly clientAssertion?: string;
  readonly clientId?: string;
}

function parse(params: FormParams, headers: RequestHeaders): TokenExchangeRequest {
  // audience and resource may repeat per RFC 8693 §2.1; readTarget judges them.
  refuseRepeats(params, ['audience', 'resource']);
  const subjectToken = boundedToken(single(params, 'subject_token'), 'subject_token', 'invalid_request');
  const subjectTokenType = single(params, 'subject_token_type');
  if (!subjectTokenType) throw new OAuthError('invalid_request', 'subject_token_type is required (RFC 8693 section 2.1)', { reason: 'bad_request' });
  if (!SUBJECT_TOKEN_TYPES.has(subjectTokenType)) {
    throw new OAuthError('invalid_request', `unsupported subject_token_type; use ${TOKEN_TYPE_JWT}, ${TOKEN_TYPE_ACCESS_TOKEN} or ${TOKEN_TYPE_ID_TOKEN}`, { reason: 'bad_request' });
  }
  const actorToken = readActorToken(params);
  const requested = single(params, 'requested_token_type');
  if (requested !== undefined && requested !== TOKEN_TYPE_ACCESS_TOKEN) {
    throw new OAuthError('invalid_request', `unsupported requested_token_type; only ${TOKEN_TYPE_ACCESS_TOKEN} is issued`, { reason: 'bad_request' });
  }
  // A client_id alone identifies a public client and must name the agent; a client assertion must be valid and name it too.
  const { clientAssertion, clientId } = readClientAuthentication(params, headers.authorization, false);
  const target = readTarget(params);
  const request: TokenExchangeRequest = { grant: 'token_exchange', subjectToken, subjectTokenType, ...target };
  return Object.assign(request, actorToken === undefined ? {} : { actorToken }, clientAssertion === undefined ? {} : { clientAssertion }, clientId === undefined ? {} : { clientId });
}

/** RFC 8693 §2.1: actor_token_type is required with an actor_token and must not come without one. */
function readActorToken(params: FormParams): string | undefined {
  const actorToken = single(params, 'actor_token');
  const actorTokenType = single(params, 'actor_token_type');
  if (actorToken === undefined) {
    if (actorTokenType !== undefined) throw new OAuthError('invalid_request', 'actor_token_type without an actor_token', { reason: 'bad_request' });
    return undefined;
  }
  if (actorTokenType === undefined) {
    throw new OAuthError('invalid_request', `actor_token_type is required with an actor_token; use ${TOKEN_TYPE_JWT} (the agent's own attestation)`, { reason: 'bad_request' });
  }
  if (actorTokenType !== TOKEN_TYPE_JWT) {
    throw new OAuthError('invalid_request', `unsupported actor_token_type; use ${TOKEN_TYPE_JWT} (the agent's own attestation)`, { reason: 'bad_request' });
  }
  return boundedToken(actorToken, 'actor_token', 'invalid_request');
}

async function authenticate(request: TokenExchangeRequest, ctx: GrantContext): Promise<Authentication> {
  return withClientId(await authenticateAgent(request, ctx), request.clientId);
}

/** The agent the request proves: the subject token's, or the actor's when it acts for someone. */
async function authenticateAgent(request: TokenExchangeRequest, ctx: GrantContext): Promise<Authentication> {
  const decoded = decodeJws(request.subjectToken);
  const kind = subjectKind(decoded, ctx.attestation);
  const actorProof = request.actorToken ?? (kind === 'attestation' ? undefined : request.clientAssertion);
  if (actorProof === undefined) {
    if (request.subjectTokenType !== TOKEN_TYPE_JWT && kind === 'attestation') {
      // RFC 8693 §3: an agent's attestation is a JWT, not an access or ID token of this broker's clients.
      return { ok: false, error: new OAuthError('invalid_request', `an agent's attestation is presented as subject_token_type ${TOKEN_TYPE_JWT}`, { reason: 'bad_request' }) };
    }
    if (kind !== 'attestation') {
      return {
        ok: false,
        error: new OAuthError('invalid_request', 'a token acted on needs the acting agent: present the agent\'s own attestation as actor_token (RFC 8693 section 2.1)', { reason: 'delegation', check: 'actor_missing' }),
      };
    }
    const subject = toAuthentication(await verifySubjectToken(request.subjectToken, ctx.attestation, decoded), SUBJECT_TOKEN_REFUSALS);
    if (!subject.ok) return subject;
    // The issued token never outlives the attestation it was exchanged for.
    return withClientAssertion({ ...subject.caller, notAfterMs: subject.caller.proof.expiresAtMs }, request.clientAssertion, ctx.attestation);
  }
  if (kind === 'attestation') {
    return { ok: false, error: SUBJECT_TOKEN_REFUSALS.proof('delegation', 'an agent attestation is not a token to act on', 'not_actable') };
  }
  // A failed actor proof is answered for the parameter that carried it. A client assertion is
  // RFC 7523 §2.2 client authentication whatever it stands in for: the agent's own key, the
  // issuer as its audience, single-use; a platform attestation is an actor_token.
  const actor = request.actorToken === undefined
    ? toAuthentication(await verifyAgentAssertion(actorProof, ctx.attestation), CLIENT_REFUSALS)
    : toAuthentication(await verifySubjectToken(actorProof, ctx.attestation), ACTOR_TOKEN_REFUSALS);
  if (!actor.ok) return actor;
  // The agent's own attestation caps the lifetime as when it is the subject token; a client
  // assertion standing in for it authenticates only.
  const authenticated = request.actorToken === undefined
    ? actor
    : await withClientAssertion({ ...actor.caller, notAfterMs: actor.caller.proof.expiresAtMs }, request.clientAssertion, ctx.attestation);
  if (!authenticated.ok) return authenticated;
  return delegate(authenticated.caller, request.subjectToken, kind, ctx);
}

export const tokenExchangeGrant: Grant<TokenExchangeRequest> = {
  name: 'token_exchange',
  type: GRANT_TOKEN_EXCHANGE,
  parse,
  authenticate,
  refusals: SUBJECT_TOKEN_REFUSALS,
  issuedTokenType: TOKEN_TYPE_ACCESS_TOKEN,
};
