/**
 * agent-sts/fastify: protect a fastify API with agent-sts tokens.
 *
 *   await app.register(agentStsPlugin, { issuer: 'https://sts.example.com', resource: 'https://tickets.example.com' });
 *   app.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => request.agent.agent);
 */
export { agentStsPlugin } from './plugin.js';
export { metadataPath, metadataUrl, protectedResourceMetadata, WELL_KNOWN } from './protected-resource.js';
export type { AgentStsDecoration, AgentStsPluginOptions } from './types.js';
export type { AgentPrincipal, Requirements } from '../verifier/index.js';
