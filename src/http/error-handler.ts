/**
 * The one serializer of errors: an OAuthError goes out as RFC 6749 §5.2 JSON; a store that
 * cannot be reached is 503 temporarily_unavailable (fail closed); a client error found by
 * fastify (bad JSON, body too large, unsupported media type) is invalid_request; anything
 * else is server_error with no detail. Internal reasons go to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, StoreUnavailableError } from '../errors.js';

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  // The store and the rate limiter turn every Redis failure into StoreUnavailableError.
  if (error instanceof StoreUnavailableError) {
    return new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: (error as Error).message,
    });
  }
  const status = (error as FastifyError | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // RFC 6749 §5.2: a malformed request is invalid_request; 413 keeps its status.
    const description = status === 413 ? 'the request body is too large' : status === 415 ? 'unsupported content type' : 'malformed request';
    return new OAuthError('invalid_request', description, {
      status: status === 413 || status === 429 ? status : 400,
      reason: 'bad_request',
      internal: (error as Error).message,
    });
  }
  return new OAuthError('server_error', 'internal error', { internal: (error as Error | undefined)?.stack ?? String(error) });
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  // Two calls rather than one merged object: `{ ...a, ...b }` costs a new hidden class per call (see routes/token.ts).
  return reply.status(error.status).headers(NO_STORE).headers(error.headers).type('application/json').send(error.toJSON());
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const oauth = toOAuthError(error);
    const level = oauth.status >= 500 ? 'error' : 'info';
    request.log[level]({ err_code: oauth.code, reason: oauth.reason, detail: oauth.internal }, 'request refused');
    return sendOAuthError(reply, oauth);
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).headers(NO_STORE).send({ error: 'not_found', error_description: 'no such endpoint' });
  });
}
