/**
 * SSF §7.1: the transmitter configuration metadata at `/.well-known/ssf-configuration` (with
 * the issuer's path appended, §7.2, when the issuer has one). Public: it holds no secret and
 * tells a receiver how to subscribe.
 */
import type { FastifyInstance } from 'fastify';
import { POLL_METHOD, PUSH_METHOD } from '../../ssf/index.js';

function transmitterConfiguration(issuer: string): Record<string, unknown> {
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    delivery_methods_supported: [PUSH_METHOD, POLL_METHOD],
    configuration_endpoint: `${issuer}/ssf/stream`,
    status_endpoint: `${issuer}/ssf/status`,
    add_subject_endpoint: `${issuer}/ssf/subjects:add`,
    remove_subject_endpoint: `${issuer}/ssf/subjects:remove`,
    verification_endpoint: `${issuer}/ssf/verify`,
    // SSF §7.1.1: an OAuth bearer token (RFC 6749) of this broker, scope ssf:stream.
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    // Every event a stream may carry is sent unless the receiver removes its subject.
    default_subjects: 'ALL',
  };
}

export function registerConfigurationRoute(app: FastifyInstance, issuer: string): void {
  const document = Object.freeze(transmitterConfiguration(issuer));
  const path = new URL(issuer).pathname.replace(/\/$/, '');
  const handler = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.header('cache-control', 'public, max-age=3600').send(document);
  app.get('/.well-known/ssf-configuration', handler);
  if (path !== '') app.get(`/.well-known/ssf-configuration${path}`, handler);
}
