/**
 * The fastify plugin: every route registered after it requires a valid agent-sts token
 * (fail closed) unless its config says `agent: false`; `config: { agent: { scopes, intent } }`
 * adds what the route needs. Tokens come as `Bearer` (RFC 6750) or, bound to the agent's key,
 * as `DPoP` with a proof for this very request (RFC 9449 §7). Refusals carry the challenges of
 * every accepted scheme (`error`, `scope`, `algs` and RFC 9728 `resource_metadata`); the plugin
 * serves the RFC 9728 metadata. Register it at the root of the app, before the routes it protects.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { checkRequirementShape, createVerifier, VerifyError, type AgentPrincipal, type Requirements } from '../verifier/index.js';
import { checkResource, metadataPath, metadataUrl, protectedResourceMetadata } from './protected-resource.js';
import { headerValues, publicBaseUrl, requestUrl } from './request-url.js';
import { registerRevocationReceiver } from './revocation-receiver.js';
import type { AgentStsPluginOptions } from './types.js';

const agentStsPlugin: FastifyPluginAsync<AgentStsPluginOptions> = async (app, options) => {
  const resource = checkResource(options.resource);
  if (options.verifier && options.dpop) throw new TypeError('give dpop in the options of the verifier passed, not next to it');
  const ownsVerifier = options.verifier === undefined;
  const verifier = options.verifier ?? createVerifier({
    ...options.verifierOptions,
    ...(options.dpop ? { dpop: options.dpop } : {}),
    ...(options.revocations ? { revocations: options.revocations } : {}),
    issuer: options.issuer,
    audience: options.audience ?? resource,
  });
  const baseUrl = publicBaseUrl(options.publicBaseUrl ?? new URL(resource).origin);
  const resourceMetadata = metadataUrl(resource);
  const challenge = { realm: options.realm ?? resource, resourceMetadata };
  const principals = new WeakMap<FastifyRequest, AgentPrincipal>();
  const requiredScopes = new Set<string>();

  app.decorate('agentSts', { verifier, resourceMetadataUrl: resourceMetadata });
  app.decorateRequest('agent', {
    getter(this: FastifyRequest): AgentPrincipal {
      const principal = principals.get(this);
      if (!principal) throw new Error('request.agent is only set on routes the agent-sts plugin protects');
      return principal;
    },
  });

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: VerifyError) => {
    request.log.info({ reason: error.reason, code: error.code }, 'agent-sts: request refused');
    return reply.code(error.status).headers(verifier.refusalHeaders(error, challenge)).send(error.toJSON());
  };

  const guardFor = (requirements: Requirements) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      principals.set(request, await verifier.verifyRequest({
        method: request.method,
        url: requestUrl(baseUrl, request.url),
        // Every value as sent: a repeated header is refused, not silently reduced to one.
        authorization: headerValues(request.raw.rawHeaders, 'authorization'),
        dpop: headerValues(request.raw.rawHeaders, 'dpop'),
      }, requirements));
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error;
      return refuse(request, reply, error);
    }
    // RFC 9449 §9: a fresh nonce on every answer, so clients never have to be refused for one.
    const nonce = verifier.dpopNonce();
    if (nonce !== undefined) void reply.header('dpop-nonce', nonce);
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    const requirement = route.config?.agent;
    if (requirement === false) return;
    const requirements = checkRequirementShape(requirement ?? {});
    for (const scope of requirements.scopes ?? []) requiredScopes.add(scope);
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // First, before the route's own hooks: nothing of the request is acted on before the token is checked.
    route.onRequest = [guardFor(requirements), ...existing];
  });

  if (verifier.revocations) {
    const feed = verifier.revocations;
    await registerRevocationReceiver(app, feed);
    app.addHook('onReady', async () => { void feed.start().catch(() => undefined); });
  }
  if (ownsVerifier) app.addHook('onClose', async () => verifier.close());

  app.get(metadataPath(resource), { config: { agent: false } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(protectedResourceMetadata({
      resource,
      issuer: verifier.issuer,
      scopes: options.scopesSupported ?? [...requiredScopes],
      dpop: verifier.dpop,
      resourceName: options.resourceName,
      resourceDocumentation: options.resourceDocumentation,
    })));
};

// What fastify-plugin would set: the hooks and decorations apply to the app that registers it.
Object.assign(agentStsPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'agent-sts',
  [Symbol.for('plugin-meta')]: { name: 'agent-sts', fastify: '5.x' },
});

export { agentStsPlugin };
