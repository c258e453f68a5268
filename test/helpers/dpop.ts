/**
 * DPoP for the libraries' tests. Proof keys, and tokens bound to one: a token the real broker
 * issued (its decisions, its claims) with `cnf.jkt` added and signed again by the broker's
 * own current key, which is what the broker's token endpoint issues to a DPoP tier (RFC 9449
 * §6.1). Until the broker binds tokens itself, `bindingTokenEndpoint` puts exactly that in
 * front of the real broker for the token client: it checks the proof with the one proof
 * verifier (src/dpop), asks for a nonce when told to, forwards the request to the broker and
 * binds what the broker issued.
 */
import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import type { Test } from 'tap';
import { createTokenClient, functionAttestation, type TokenClientOptions } from '../../src/client/index.js';
import { createDpopProof, createNonceIssuer, proofJwk, verifyDpopProof, type NonceIssuer, type ProofKey, type ProofRequest } from '../../src/dpop/index.js';
import { jwkThumbprint } from '../../src/jws/index.js';
import { agentStsPlugin, type AgentStsPluginOptions } from '../../src/fastify-plugin/index.js';
import { accessTokenHeader, signJwt, type KeyRing } from '../../src/signing/index.js';
import { agentDoc, basePolicy, TICKETS } from './broker.js';
import { listeningBroker, type ListeningBroker } from './listening-broker.js';
import { json, localServer, type LocalServer } from './local-server.js';
import { freePort } from './redis.js';

export function proofKey(alg: ProofKey['alg'] = 'ES256'): ProofKey & { jkt: string } {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const key = { privateKey, alg };
  return { ...key, jkt: jwkThumbprint(proofJwk(key)) };
}

/** The broker's token, bound to `jkt` (and with any other claim changed) under the broker's current signing key. */
export function bindToken(broker: { keyRing: KeyRing }, token: string, jkt: string, extra: Record<string, unknown> = {}): string {
  const signer = broker.keyRing.currentSigner();
  return signJwt(accessTokenHeader(signer), { ...decodeJwt(token), cnf: { jkt }, ...extra }, signer);
}

/**
 * A real broker, a token it issued to the sample agent for TICKETS, the same token bound to a
 * fresh proof key, and proofs by that key for `GET url` with that token (`ath`) by default.
 */
export async function boundTokenSetup(t: Test, url = `${TICKETS}/tickets`) {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const issued = (await broker.exchange(await broker.attest())).json().access_token as string;
  const key = proofKey();
  const token = bindToken(broker, issued, key.jkt);
  const proof = (over: Partial<ProofRequest> = {}, by: ProofKey = key) =>
    createDpopProof(by, { htm: 'GET', htu: url, accessToken: token, iatS: Math.floor(broker.clock() / 1000), ...over });
  return { broker, issued, key, token, proof };
}

export interface BindingEndpoint extends LocalServer {
  /** The DPoP token requests that were answered use_dpop_nonce, and those that got a bound token. */
  counts(): { nonceRequired: number; bound: number };
}

/** An issuer whose token endpoint binds (see above); its JWKS is the broker's. Give the client its `url` as issuer. */
export async function bindingTokenEndpoint(broker: ListeningBroker, options: { nonces?: boolean } = {}): Promise<BindingEndpoint> {
  const nonces: NonceIssuer | undefined = options.nonces ? createNonceIssuer(Buffer.alloc(32, 9), broker.clock) : undefined;
  const counts = { nonceRequired: 0, bound: 0 };
  let url = '';
  const server = await localServer({
    '/token': (request, response, body) => void (async () => {
      const nonceHeader: Record<string, string> = nonces ? { 'dpop-nonce': nonces.current() } : {};
      const proof = verifyDpopProof(String(request.headers.dpop ?? ''), {
        htm: 'POST', htu: `${url}/token`, nowMs: broker.clock(), maxAgeMs: 60_000, futureSkewMs: 5_000, ...(nonces ? { nonce: nonces.accepts } : {}),
      });
      if (!proof.ok && proof.reason === 'nonce') {
        counts.nonceRequired++;
        return json(response, 400, { error: 'use_dpop_nonce', error_description: 'a nonce is required' }, nonceHeader);
      }
      if (!proof.ok) return json(response, 400, { error: 'invalid_dpop_proof', error_description: proof.detail });
      const issued = await fetch(`${broker.issuer}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      const answer = await issued.json() as Record<string, unknown>;
      if (issued.status !== 200) return json(response, issued.status, answer);
      counts.bound++;
      json(response, 200, { ...answer, access_token: bindToken(broker, answer.access_token as string, proof.jkt), token_type: 'DPoP' }, nonceHeader);
    })(),
  }, { jwks_uri: `${broker.issuer}/.well-known/jwks.json` });
  url = server.url;
  return { ...server, counts: () => ({ ...counts }) };
}

/** A broker whose sample agent may call a tool server (fastify + the plugin) on a free loopback port, and that server. */
export async function brokerAndTool(t: Test, pluginOptions: Partial<AgentStsPluginOptions> = {}) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}`;
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer', { intents: [{ name: 'summarize-tickets', description: 'Read', audience: resource, scopes: ['tickets:read'] }] })];
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const tool: FastifyInstance = Fastify();
  t.teardown(() => tool.close());
  await tool.register(agentStsPlugin, { issuer: broker.issuer, resource, verifierOptions: { now: broker.clock }, ...pluginOptions });
  const seen: Array<{ scheme: string; status: number }> = [];
  tool.addHook('onResponse', async (request, reply) => { seen.push({ scheme: String(request.headers.authorization).split(' ')[0] as string, status: reply.statusCode }); });
  tool.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ agent: request.agent.agent, jkt: request.agent.jkt ?? null }));
  tool.get('/tickets/:id', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ agent: request.agent.agent }));
  await tool.listen({ host: '127.0.0.1', port });
  return { broker, tool, resource, seen };
}

export interface SentRequest {
  url: string;
  method: string;
  authorization: string | null;
  dpop: string | null;
}

/** The agent's token client through the binding token endpoint; every request it sends is recorded (what a wire tap would see). */
export async function boundClient(t: Test, broker: ListeningBroker, options: { nonces?: boolean } & Partial<TokenClientOptions> = {}) {
  const { nonces, ...extra } = options;
  const endpoint = await bindingTokenEndpoint(broker, { nonces: nonces ?? false });
  t.teardown(endpoint.close);
  const sent: SentRequest[] = [];
  const client = createTokenClient({
    issuer: endpoint.url,
    attestation: functionAttestation(() => broker.attest()),
    now: broker.clock,
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      sent.push({ url: String(input), method: init?.method ?? 'GET', authorization: headers.get('authorization'), dpop: headers.get('dpop') });
      return fetch(input, init);
    },
    ...extra,
  });
  const tokenRequestProofs = () => sent.filter((r) => r.url === `${endpoint.url}/token`).map((r) => r.dpop as string);
  return { client, endpoint, sent, tokenRequestProofs };
}
