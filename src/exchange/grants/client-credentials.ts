/**
 * RFC 6749 §4.4 client credentials, the client authenticating with its own key (RFC 7523
 * §2.2, private_key_jwt): the agent's assertion is both the authentication and the proof.
 */
import { verifyAgentAssertion } from '../../attestation/index.js';
import { OAuthError } from '../../errors.js';
import { refuseRepeats, type FormParams } from '../../http/form-body.js';
import { readClientAuthentication } from '../client-auth.js';
import { CLIENT_REFUSALS } from '../refusals.js';
import { readTarget } from '../target.js';
import type { Grant, GrantRequest, RequestHeaders } from './grant.js';
import { toAuthentication, withClientId } from './prove.js';

export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';

export interface ClientCredentialsRequest extends GrantRequest {
  readonly clientAssertion: string;
  readonly clientId?: string;
}

function parse(params: FormParams, headers: RequestHeaders): ClientCredentialsRequest {
  refuseRepeats(params, ['audience', 'resource']);
  const { clientAssertion, clientId } = readClientAuthentication(params, headers.authorization, true);
  const target = readTarget(params);
  if (clientAssertion === undefined) throw new OAuthError('invalid_client', 'client authentication is required', { reason: 'attestation_invalid' });
  return clientId === undefined
    ? { grant: 'client_credentials', clientAssertion, ...target }
    : { grant: 'client_credentials', clientAssertion, clientId, ...target };
}

export const clientCredentialsGrant: Grant<ClientCredentialsRequest> = {
  name: 'client_credentials',
  type: GRANT_CLIENT_CREDENTIALS,
  parse,
  async authenticate(request, ctx) {
    return withClientId(toAuthentication(await verifyAgentAssertion(request.clientAssertion, ctx.attestation), CLIENT_REFUSALS), request.clientId);
  },
  refusals: CLIENT_REFUSALS,
};
