/**
 * The one serializer of errors, for every route and plugin: an OAuthError goes out as RFC 6749
 * §5.2 JSON with its own headers (WWW-Authenticate, Retry-After); a store that cannot be reached
 * is 503 temporarily_unavailable (fail closed); a schema failure is 400 invalid_request saying
 * what is wrong with the caller's own input; another client error found by fastify (bad JSON,
 * body too large, unsupported media type) is invalid_request; anything else is 500 server_error
 * with no detail. Internal reasons go to the log only. No error response is ever cached.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, StoreUnavailableError } from '../errors.js';

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * RFC 9110 §10.2.3: a 503 says when to come back. The outages behind one (a store failing over,
 * an audit trail being freed, a signing key being loaded) are seconds long.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  // The store and the rate limiters turn every Redis failure into StoreUnavailableError.
  if (error instanceof StoreUnavailableError) {
    return new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: error.message,
    });
  }
  const fastifyError = error as Partial<FastifyError> | null | undefined;
  // A schema failure describes the caller's own input (which field is missing or too long), never ours.
  if (fastifyError?.validation) {
    return new OAuthError('invalid_request', fastifyError.message ?? 'invalid request', { reason: 'bad_request' });
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // RFC 6749 §5.2: a malformed request is invalid_request; 413 keeps its status.
    const description = status === 413 ? 'the request body is too large' : status === 415 ? 'unsupported content type' : 'malformed request';
    return new OAuthError('invalid_request', description, {
      status: status === 413 || status === 429 ? status : 400,
      reason: 'bad_request',
      internal: fastifyError?.message,
    });
  }
  return new OAuthError('server_error', 'internal error', { internal: (error as Error | undefined)?.stack ?? String(error) });
}

/** The reason of a bearer refusal for a request that carried no credential at all (http/bearer-challenge.ts). */
const NO_CREDENTIAL = 'no_credential';

function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  // Two calls rather than one merged object: `{ ...a, ...b }` costs a new hidden class per call (see routes/token.ts).
  void reply.status(error.status).headers(NO_STORE).headers(error.headers);
  if (error.status === 503 && error.headers['retry-after'] === undefined) void reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
  // RFC 6750 §3.1: a request with no credential gets no error information, in the body as in its bare challenge.
  const body = error.status === 401 && error.reason === NO_CREDENTIAL ? {} : error.toJSON();
  return reply.type('application/json').send(body);
}

/** The error handler of the app and of every encapsulated route plugin. */
export function oauthErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = toOAuthError(error);
  const level = oauth.status >= 500 ? 'error' : 'info';
  request.log[level]({ err_code: oauth.code, reason: oauth.reason, detail: oauth.internal }, 'request refused');
  return sendOAuthError(reply, oauth);
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The methods a path is served with (none: no such endpoint). */
export function methodsServed(app: FastifyInstance, url: string): string[] {
  const path = url.split('?', 1)[0] as string;
  // A segment over the router's parameter bound matches its length-refusal handler under every
  // method with a route there, not a route: such a path is served by no method.
  const maxParamLength = app.initialConfig.maxParamLength ?? 100;
  if (path.split('/').some((segment) => segment.length > maxParamLength)) return [];
  return METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(oauthErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    // RFC 9110 §15.5.6: an endpoint asked with a method it does not serve is 405, with Allow.
    const allowed = methodsServed(app, request.url);
    if (allowed.length > 0) {
      void reply.status(405).headers(NO_STORE).header('allow', allowed.join(', '));
      return reply.send({ error: 'invalid_request', error_description: `this endpoint is served with ${allowed.join(', ')} only` });
    }
    return reply.status(404).headers(NO_STORE).send({ error: 'not_found', error_description: 'no such endpoint' });
  });
}
