/**
 * The demo's tool server: a fastify API protected by agent-sts/fastify, the way an MCP server
 * or any internal API would be. Reading tickets needs the summarize-tickets intent; closing one
 * needs tickets:write and another intent, which the demo agent does not have.
 */
import Fastify from 'fastify';
import { agentStsPlugin } from 'agent-sts/fastify';

const issuer = process.env.DEMO_ISSUER as string;
const port = Number(process.env.DEMO_TOOL_PORT);
const resource = `http://127.0.0.1:${port}`;

const app = Fastify();
await app.register(agentStsPlugin, { issuer, resource, resourceName: 'Demo ticket tool' });

app.get('/tickets', { config: { agent: { scopes: ['tickets:read'], intent: 'summarize-tickets' } } }, async (request) => ({
  for: request.agent.agent,
  tickets: [
    { id: 41, title: 'Printer on fire' },
    { id: 42, title: 'Password reset loop' },
    { id: 43, title: 'VPN drops every hour' },
  ],
}));

app.post('/tickets/:id/close', { config: { agent: { scopes: ['tickets:write'], intent: 'triage-tickets' } } }, async (request) => ({
  closed: (request.params as { id: string }).id,
}));

await app.listen({ host: '127.0.0.1', port });
process.send?.({ ready: { resource, metadata: app.agentSts.resourceMetadataUrl } });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
