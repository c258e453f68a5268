/**
 * The error handler of the admin, introspection and revocation routes (set inside their
 * encapsulated plugins, so it holds whatever the app's own handler does): an OAuthError is
 * sent as is (with its headers, e.g. WWW-Authenticate); a store outage is 503
 * temporarily_unavailable, never a success; a schema failure is 400 invalid_request; anything
 * else is 500 server_error with no detail.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../errors.js';
import { toOAuthError as toSharedOAuthError } from '../http/error-handler.js';

export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  const fe = error as Partial<FastifyError> | null;
  // A schema failure describes the caller's own input (which field is missing or too long).
  if (fe?.validation) return new OAuthError('invalid_request', fe.message ?? 'invalid request', { reason: 'bad_request' });
  // Everything else through the one serializer: store outages are 503, fastify's client errors
  // get fixed texts, anything unexpected is server_error without detail.
  return toSharedOAuthError(error);
}

export function oauthErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const e = toOAuthError(error);
  if (e.status >= 500) request.log.error({ err: error, code: e.code, internal: e.internal }, 'request failed');
  void reply.code(e.status).headers({ ...e.headers, 'cache-control': 'no-store' }).send(e.toJSON());
}

/** RFC 6750 §3: a 401 names the scheme and, when a credential was presented, the error. */
export function invalidToken(description: string, reason: string, realm = 'agent-sts'): OAuthError {
  // RFC 6750 §3.1: without any credential, the challenge carries no error code.
  const challenge =
    reason === 'no_credential'
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`;
  return new OAuthError('invalid_token', description, { reason, headers: { 'www-authenticate': challenge } });
}

export function insufficientRole(required: string, realm = 'agent-sts'): OAuthError {
  return new OAuthError('insufficient_scope', `requires the ${required} role`, {
    reason: 'insufficient_role',
    headers: { 'www-authenticate': `Bearer realm="${realm}", error="insufficient_scope"` },
  });
}
