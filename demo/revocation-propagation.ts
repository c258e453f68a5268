/**
 * npm run propagation: how long from an operator's suspension (the admin API) to the refusal of
 * that agent's token at an API that verifies offline with agent-sts/fastify, subscribed to the
 * broker's revocations by poll (the default) and by push. The broker runs as its own process
 * (`agent-sts serve`, embedded store); the two APIs and the agents run here, over real HTTP.
 * Each round suspends another agent that holds a valid token, then calls both APIs every
 * 5 ms until each answers 401. Settings: PROPAGATION_ROUNDS (20).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { agentKeyAttestation, createTokenClient, type TokenClient } from '../src/client/index.js';
import { agentStsPlugin } from '../src/fastify-plugin/index.js';
import { freePort, startBroker, stopAll } from './processes.js';

const ROUNDS = Number(process.env.PROPAGATION_ROUNDS ?? 20);
const API = 'https://tickets.example.internal';

async function keyFor(): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' }, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' } };
}

function agentEntry(id: string, publicJwk: JWK, tier: string, intents: object[]) {
  const today = new Date().toISOString().slice(0, 10);
  return { id, description: `propagation ${id}`, owner: 'team', tier, created_by: 'a@example.com', approved_by: 'b@example.com', reviewed_at: today, attestation: [{ keys: { keys: [publicJwk] } }], intents };
}

async function preparePolicy(dir: string, issuer: string, operatorKey: string) {
  const agents = await Promise.all(Array.from({ length: ROUNDS }, async (_, i) => ({ id: `agent-${i + 1}`, ...(await keyFor()) })));
  const apiKey = await keyFor();
  const policy = {
    owners: [{ id: 'team', contact: 'team@example.com', active: true }],
    tiers: {
      agents: { description: 'Readers', scopes: ['*:read'], max_ttl: '15m', review_every: '180d' },
      apis: { description: 'APIs subscribed to revocations', scopes: ['ssf:stream'], max_ttl: '15m', review_every: '180d' },
    },
    agents: [
      ...agents.map((a) => agentEntry(a.id, a.publicJwk, 'agents', [{ name: 'read', description: 'Read tickets', audience: API, scopes: ['tickets:read'] }])),
      agentEntry('tickets-api', apiKey.publicJwk, 'apis', [{ name: 'subscribe', description: 'Receive revocations', audience: issuer, scopes: ['ssf:stream'] }]),
    ],
    operators: [{ id: 'ops', role: 'operator', key_sha256: createHash('sha256').update(operatorKey).digest('hex') }],
  };
  writeFileSync(join(dir, 'policy.yaml'), JSON.stringify(policy, null, 2));
  return { agents, apiKey };
}

async function startApi(issuer: string, client: TokenClient, mode: 'poll' | 'push'): Promise<{ app: FastifyInstance; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = Fastify();
  await app.register(agentStsPlugin, {
    issuer, resource: API,
    revocations: { client, ...(mode === 'push' ? { push: { endpointUrl: `${url}/ssf/events` } } : {}), description: `propagation (${mode})` },
  });
  app.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port });
  await app.agentSts.verifier.revocations?.start();
  return { app, url };
}

/** ms from `sinceMs` until the API refuses the token (calls every 5 ms; gives up after 10 s). */
async function refusedAfter(url: string, token: string, since: number): Promise<number> {
  for (;;) {
    const status = (await fetch(`${url}/tickets`, { headers: { authorization: `Bearer ${token}` } })).status;
    if (status === 401) return performance.now() - since;
    if (performance.now() - since > 10_000) throw new Error(`${url} still answers ${status} 10 s after the suspension`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] as number;
  return `median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms (min ${at(0).toFixed(0)} ms, ${values.length} suspensions)`;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sts-propagation-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const operatorKey = randomBytes(24).toString('base64url');
  const apps: FastifyInstance[] = [];
  try {
    const { agents, apiKey } = await preparePolicy(dir, issuer, operatorKey);
    await startBroker(issuer, { STS_ISSUER: issuer, STS_HOST: '127.0.0.1', STS_PORT: String(port), STS_METRICS_PORT: '0', STS_POLICY: join(dir, 'policy.yaml'), STS_AUDIT_LOG: join(dir, 'audit.log'), STS_LOG_LEVEL: 'warn' });
    const apiClient = createTokenClient({ issuer, attestation: agentKeyAttestation({ agentId: 'tickets-api', privateKey: apiKey.privateJwk }) });
    const apis = { poll: await startApi(issuer, apiClient, 'poll'), push: await startApi(issuer, apiClient, 'push') };
    apps.push(apis.poll.app, apis.push.app);
    const measured: Record<'poll' | 'push', number[]> = { poll: [], push: [] };
    for (const agent of agents) {
      // A bearer token (the client would bind it with DPoP by default): this measures revocation, and a plain fetch presents it.
      const token = (await createTokenClient({ issuer, dpop: false, attestation: agentKeyAttestation({ agentId: agent.id, privateKey: agent.privateJwk }) }).getToken({ audience: API })).value;
      for (const api of Object.values(apis)) if ((await fetch(`${api.url}/tickets`, { headers: { authorization: `Bearer ${token}` } })).status !== 200) throw new Error('the token is not accepted before the suspension');
      const since = performance.now();
      const suspended = await fetch(`${issuer}/admin/agents/${agent.id}/suspend`, { method: 'POST', headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'propagation measurement' }) });
      if (suspended.status !== 200) throw new Error(`suspension answered ${suspended.status}`);
      const [poll, push] = await Promise.all([refusedAfter(apis.poll.url, token, since), refusedAfter(apis.push.url, token, since)]);
      measured.poll.push(poll);
      measured.push.push(push);
    }
    console.log(`suspension (admin API) to refusal at an API verifying offline with agent-sts/fastify:`);
    console.log(`  poll (RFC 8936, the default): ${stats(measured.poll)}`);
    console.log(`  push (RFC 8935):              ${stats(measured.push)}`);
  } finally {
    for (const app of apps) await app.close();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
