/**
 * RFC 8414 authorization server metadata, also served at the OpenID discovery path so that
 * verifiers that discover JWKS through /.well-known/openid-configuration find the keys.
 */
import type { FastifyInstance } from 'fastify';
import { ASYMMETRIC_ALGORITHMS } from '../attestation/index.js';
import { GRANT_TYPES_SUPPORTED } from '../exchange/index.js';
import { VERIFIABLE_ALGORITHMS } from '../jws/index.js';

function buildMetadata(issuer: string, signingAlg: string): Record<string, unknown> {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    // Token exchange authenticates by its subject token, so it needs no client authentication.
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_ALGORITHMS],
    // RFC 7009 §2.1: presenting the token proves the right to revoke it; a client may also
    // authenticate, and then revokes only its own tokens. Introspection callers present a bearer
    // token of ours with the sts:introspect scope (RFC 7662 §2.1 leaves the method open); no
    // registered auth-method name describes that, so none is advertised.
    revocation_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_ALGORITHMS],
    // No authorization endpoint, so no response type: response_types_supported is left out, as
    // RFC 8414 §3.2 omits members with zero elements (the OAuth WG's reading for servers
    // without an authorization endpoint, though §2 lists the member as required).
    subject_types_supported: ['public'],
    // RFC 9068 access tokens are signed with this algorithm.
    access_token_signing_alg_values_supported: [signingAlg],
    id_token_signing_alg_values_supported: [signingAlg],
    // RFC 9449 §5.1: the algorithms accepted in DPoP proofs (any client may bind its tokens).
    dpop_signing_alg_values_supported: [...VERIFIABLE_ALGORITHMS],
  };
}

export async function metadataRoutes(app: FastifyInstance, options: { issuer: string; signingAlg: string }): Promise<void> {
  const document = Object.freeze(buildMetadata(options.issuer, options.signingAlg));
  const handler = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('cache-control', 'public, max-age=3600').send(document);
  app.get('/.well-known/oauth-authorization-server', handler);
  app.get('/.well-known/openid-configuration', handler);
  // An issuer with a path sits behind a proxy that strips it (the routes are served at the root).
  // RFC 8414 §3.1 puts its metadata at the well-known path followed by the issuer's path, a URL
  // outside that prefix: served here too, for the proxy to route (OpenID discovery appends the
  // well-known path to the issuer, which the proxy maps onto the root's).
  const issuerPath = new URL(options.issuer).pathname.replace(/\/+$/, '');
  if (issuerPath !== '') app.get(`/.well-known/oauth-authorization-server${issuerPath}`, handler);
}
