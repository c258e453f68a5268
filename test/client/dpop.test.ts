/**
 * agent-sts/client and DPoP (RFC 9449): one key per client, a proof on every token request,
 * DPoP tokens sent with `Authorization: DPoP` and a proof with `ath` for each request, and
 * `use_dpop_nonce` handled at the broker (400, §8) and at the API (401, §9), nonces kept per
 * origin. Every token comes from the real broker's token endpoint.
 */
import t from 'tap';
import { createTokenClient, functionAttestation, TokenClientError, type ClientLogger } from '../../src/client/index.js';
import { requestMethod } from '../../src/client/dpop-proofs.js';
import { verifyDpopProof } from '../../src/dpop/index.js';
import { TICKETS } from '../helpers/broker.js';
import { boundClient, brokerAndTool } from '../helpers/dpop.js';
import { agentClient, listeningBroker } from '../helpers/listening-broker.js';
import { json, localServer } from '../helpers/local-server.js';

t.test('a proof on every token request, by one key per client', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const proofsTo = (calls: Array<string | null>) => calls.map((proof) => proof === null ? null : verifyDpopProof(proof, {
    htm: 'POST', htu: `${broker.issuer}/oauth/token`, nowMs: broker.clock(), maxAgeMs: 60_000, futureSkewMs: 0,
  }));
  const recording = () => {
    const calls: Array<string | null> = [];
    const fetchImpl: typeof fetch = (input, init) => {
      if (new URL(String(input)).pathname === '/oauth/token') calls.push(new Headers(init?.headers).get('dpop'));
      return fetch(input, init);
    };
    return { calls, fetchImpl };
  };
  const a = recording();
  const { client } = await agentClient(broker, { fetch: a.fetchImpl });
  t.equal((await client.getToken({ audience: TICKETS })).tokenType, 'DPoP', 'bound by the broker, for a tier that does not require it too');
  await client.getToken({ audience: 'https://kb.test' });
  const checked = proofsTo(a.calls);
  t.equal(checked.length, 2);
  t.ok(checked.every((r) => r?.ok), 'each a valid proof for POST to the token endpoint');
  const [first, second] = checked as Array<{ ok: true; jkt: string; jti: string }>;
  t.equal(first!.jkt, second!.jkt, 'one key for the client');
  t.not(first!.jti, second!.jti, 'a fresh proof each time');

  const b = recording();
  await (await agentClient(broker, { fetch: b.fetchImpl })).client.getToken({ audience: TICKETS });
  t.not((proofsTo(b.calls)[0] as { jkt: string }).jkt, first!.jkt, 'another client, another key');
  const c = recording();
  await (await agentClient(broker, { fetch: c.fetchImpl, dpop: false })).client.getToken({ audience: TICKETS });
  t.same(c.calls, [null], 'dpop: false sends none');
});

t.test('a DPoP-bound token goes out with the DPoP scheme and a proof for each request', async (t) => {
  const { broker, resource, seen } = await brokerAndTool(t);
  const { client, tokenEndpoint, tokenRequestProofs } = boundClient(broker);
  const token = await client.getToken({ resource, intent: 'summarize-tickets' });
  t.equal(token.tokenType, 'DPoP');
  t.equal(token.authorization(), `DPoP ${token.value}`);
  const proven = verifyDpopProof(tokenRequestProofs()[0] as string, { htm: 'POST', htu: tokenEndpoint, nowMs: broker.clock(), maxAgeMs: 60_000, futureSkewMs: 0 });
  t.ok(proven.ok, 'the token request carried a proof for the token endpoint');
  for (const path of ['/tickets', '/tickets?again']) {
    const response = await client.fetch(`${resource}${path}`, {}, { resource, intent: 'summarize-tickets' });
    t.equal(response.status, 200, `${path}: the API accepted the proof (method, URL, ath, key)`);
    t.same(await response.json(), { agent: 'ticket-summarizer', jkt: proven.ok ? proven.jkt : 'none' }, 'bound to the key of the token request');
  }
  t.same(seen.map((s) => s.scheme), ['DPoP', 'DPoP']);
});

t.test('use_dpop_nonce at the broker: retried once with the nonce, which is then remembered', async (t) => {
  const broker = await listeningBroker({ env: { STS_DPOP_NONCE: 'true' } });
  t.teardown(broker.close);
  const endpoint = boundClient(broker);
  const { client } = endpoint;
  const token = await client.getToken({ audience: TICKETS });
  t.equal(token.tokenType, 'DPoP');
  t.same(endpoint.counts(), { nonceRequired: 1, bound: 1 }, 'one 400 use_dpop_nonce, then the token');
  await client.getToken({ audience: 'https://kb.test' });
  t.same(endpoint.counts(), { nonceRequired: 1, bound: 2 }, 'the next request carries the nonce from the last answer');
  broker.clock.advance(180_000);
  await client.getToken({ audience: TICKETS, scope: 'tickets:read' });
  t.same(endpoint.counts(), { nonceRequired: 2, bound: 3 }, 'an expired nonce: asked again, once');
});

t.test('use_dpop_nonce at the API: sent again at once with the API\'s nonce, remembered per origin', async (t) => {
  const { broker, resource, seen } = await brokerAndTool(t, { dpop: { nonce: true } });
  const { client } = boundClient(broker);
  const target = { resource, intent: 'summarize-tickets' };
  const first = await client.fetch(`${resource}/tickets`, {}, target);
  t.equal(first.status, 200);
  t.equal(seen.length, 2, 'one 401 use_dpop_nonce, then accepted');
  const second = await client.fetch(`${resource}/tickets`, { method: 'get' }, target);
  t.equal(second.status, 200);
  t.equal(seen.length, 3, 'the nonce from the last answer: accepted at once');
});

t.test('a DPoP token_type without a proof sent is not usable', async (t) => {
  const server = await localServer({ '/token': (_req, res) => json(res, 200, { access_token: 'a.b.c', token_type: 'DPoP', expires_in: 60 }) });
  t.teardown(server.close);
  const client = createTokenClient({ issuer: server.url, attestation: functionAttestation(() => 'x.y.z'), dpop: false });
  const error = await client.getToken({ audience: TICKETS }).catch((e: unknown) => e);
  t.type(error, TokenClientError);
  t.match(error, { error: 'invalid_response', errorDescription: 'the token response is not a Bearer token' });
  const withKey = createTokenClient({ issuer: server.url, attestation: functionAttestation(() => 'x.y.z') });
  t.equal((await withKey.getToken({ audience: TICKETS })).tokenType, 'DPoP');
});

t.test('neither tokens nor proofs reach the log', async (t) => {
  const { broker, resource } = await brokerAndTool(t, { dpop: { nonce: true } }, { STS_DPOP_NONCE: 'true' });
  const lines: unknown[] = [];
  const logger: ClientLogger = { debug: (fields, message) => lines.push({ fields, message }), warn: (fields, message) => lines.push({ fields, message }) };
  const { client } = boundClient(broker, { logger });
  t.equal((await client.fetch(`${resource}/tickets`, {}, { resource })).status, 200);
  t.ok(lines.length > 0);
  t.notMatch(JSON.stringify(lines), /eyJ/, 'no JWS of any kind');
});

t.test('htm is the method as fetch sends it', async (t) => {
  t.equal(requestMethod(undefined), 'GET');
  t.equal(requestMethod('post'), 'POST');
  t.equal(requestMethod('patch'), 'patch', 'fetch normalizes only six methods');
});
