/**
 * Headers as sent. Node keeps only the first of several Authorization headers (and joins the
 * repeats of most others), so a request with two credentials would be judged on one of them
 * while another layer (a proxy, a logger) may have read the other.
 */
import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../errors.js';
import { headerValues } from '../fastify-plugin/request-url.js';

/**
 * RFC 6750 §3.1: a request that presents more than one credential is invalid_request (400), at
 * every endpoint: Authorization is a single field (RFC 9110 §11.6.2), never a list.
 */
export function refuseRepeatedAuthorization(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // Most requests (the token endpoint's) carry none: the raw scan only runs when one is there.
    if (request.headers.authorization === undefined || headerValues(request.raw.rawHeaders, 'authorization').length < 2) return done();
    done(new OAuthError('invalid_request', 'more than one Authorization header', {
      reason: 'bad_request',
      headers: { 'www-authenticate': 'Bearer realm="agent-sts", error="invalid_request", error_description="more than one Authorization header"' },
    }));
  });
}
