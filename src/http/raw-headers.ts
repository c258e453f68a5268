/**
 * Headers as sent. Node keeps only the first of several Authorization headers (and joins the
 * repeats of most others), so a request with two credentials would be judged on one of them
 * while another layer (a proxy, a logger) may have read the other.
 */
import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../errors.js';

/** Every value of a header as sent, repeats included. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) values.push(rawHeaders[i + 1] as string);
  }
  return values;
}

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
