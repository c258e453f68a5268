/**
 * DPoP for the libraries' tests: proof keys, and tokens the real broker bound to one at its
 * token endpoint (RFC 9449 §5: a proof with the token request, `cnf.jkt` in the token).
 * `bindToken` re-signs a broker token with other claims under the broker's own key, only for
 * tokens the broker never mints (a `cnf` with other members, a changed audience).
 */
import { generateKeyPairSync } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import type { Test } from 'tap';
import { createTokenClient, functionAttestation, type TokenClientOptions } from '../../src/client/index.js';
import { createDpopProof, proofJwk, type ProofKey, type ProofRequest } from '../../src/dpop/index.js';
import { jwkThumbprint } from '../../src/jws/index.js';
import { agentStsPlugin, type AgentStsPluginOptions } from '../../src/fastify-plugin/index.js';
import { accessTokenHeader, signJwt, type KeyRing } from '../../src/signing/index.js';
import { agentDoc, basePolicy, TICKETS } from './broker.js';
import { listeningBroker, type ListeningBroker } from './listening-broker.js';
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

/** A token the broker issues to the sample agent for TICKETS, bound to `key` by a proof with the token request. */
export async function issueBound(broker: Pick<ListeningBroker, 'attest' | 'token' | 'issuer' | 'clock'>, key: ProofKey, form: Record<string, string> = {}): Promise<string> {
  const dpop = createDpopProof(key, { htm: 'POST', htu: `${broker.issuer}/oauth/token`, iatS: Math.floor(broker.clock() / 1000) });
  const response = await broker.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: await broker.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    audience: TICKETS,
    ...form,
  }, { dpop });
  const body = response.json() as { access_token?: string; token_type?: string };
  if (response.statusCode !== 200 || body.token_type !== 'DPoP' || !body.access_token) throw new Error(`no bound token: ${response.body}`);
  return body.access_token;
}

/**
 * A real broker, a Bearer token it issued to the sample agent for TICKETS, a token it bound to a
 * fresh proof key, and proofs by that key for `GET url` with that token (`ath`) by default.
 */
export async function boundTokenSetup(t: Test, url = `${TICKETS}/tickets`) {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const issued = (await broker.exchange(await broker.attest())).json().access_token as string;
  const key = proofKey();
  const token = await issueBound(broker, key);
  const proof = (over: Partial<ProofRequest> = {}, by: ProofKey = key) =>
    createDpopProof(by, { htm: 'GET', htu: url, accessToken: token, iatS: Math.floor(broker.clock() / 1000), ...over });
  return { broker, issued, key, token, proof, bind: (by: ProofKey) => issueBound(broker, by) };
}

/** A broker whose sample agent may call a tool server (fastify + the plugin) on a free loopback port, and that server. */
export async function brokerAndTool(t: Test, pluginOptions: Partial<AgentStsPluginOptions> = {}, brokerEnv: Record<string, string> = {}) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}`;
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer', { intents: [{ name: 'summarize-tickets', description: 'Read', audience: resource, scopes: ['tickets:read'] }] })];
  const broker = await listeningBroker({ policy, env: brokerEnv });
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

export interface TokenAnswers {
  /** Token requests answered 400 use_dpop_nonce (RFC 9449 §8), and those answered with a DPoP token. */
  nonceRequired: number;
  bound: number;
}

/** The agent's token client at the broker; every request it sends is recorded (what a wire tap would see), and the token endpoint's answers counted. */
export function boundClient(broker: ListeningBroker, options: Partial<TokenClientOptions> = {}) {
  const sent: SentRequest[] = [];
  const answers: TokenAnswers = { nonceRequired: 0, bound: 0 };
  const tokenEndpoint = `${broker.issuer}/oauth/token`;
  const client = createTokenClient({
    issuer: broker.issuer,
    attestation: functionAttestation(() => broker.attest()),
    now: broker.clock,
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      sent.push({ url: String(input), method: init?.method ?? 'GET', authorization: headers.get('authorization'), dpop: headers.get('dpop') });
      const response = await fetch(input, init);
      if (String(input) === tokenEndpoint) {
        const body = await response.clone().json() as { error?: string; token_type?: string };
        if (body.error === 'use_dpop_nonce') answers.nonceRequired++;
        if (body.token_type === 'DPoP') answers.bound++;
      }
      return response;
    },
    ...options,
  });
  const tokenRequestProofs = () => sent.filter((r) => r.url === tokenEndpoint).map((r) => r.dpop as string);
  return { client, sent, tokenEndpoint, tokenRequestProofs, counts: (): TokenAnswers => ({ ...answers }) };
}
