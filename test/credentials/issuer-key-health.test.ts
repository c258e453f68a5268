/**
 * Issuer key health end to end with real HTTP servers: the resolver reports jwks_uri fetch
 * outcomes, the tracker logs them with URL and cause, and /readyz, the metrics gauge and the
 * credential audit show them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { Registry } from 'prom-client';
import t from 'tap';
import { createIssuerKeyResolver } from '../../src/attestation/index.js';
import { manualClock } from '../../src/clock.js';
import { createIssuerKeyHealth, policyJwksUris, probeJwksUris } from '../../src/credentials/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { CompiledPolicy } from '../../src/policy/types.js';
import { healthRoutes } from '../../src/routes/health.js';
import { compiled as fixturePolicy, holder, NOW_MS } from '../metrics/policy-fixture.js';

async function jwksServer(): Promise<{ url: string; state: { status: number }; close(): Promise<void> }> {
  const { publicKey } = await generateKeyPair('ES256');
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
  const state = { status: 200 };
  const server: Server = createServer((_req, res) => {
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(state.status === 200 ? body : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/jwks`, state, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** A port nothing listens on: bound, then closed. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/jwks`;
}

function policyWith(uris: string[]): CompiledPolicy {
  const base = fixturePolicy([]);
  const issuers = uris.map((uri, i) => ({ issuer: `https://issuer-${i}.test`, jwksUri: uri, audience: 'sts', algorithms: ['ES256'], maxAgeMs: 3_600_000, singleUse: false, exclusiveAudience: false }));
  return { ...base, policy: { ...base.policy, issuers } };
}

function logs() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  return {
    lines,
    warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    info: (obj: object, msg: string) => void lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
  };
}

t.test('probe outcomes reach the tracker; a failure is logged with the URL and its cause', async (t) => {
  const good = await jwksServer();
  t.teardown(good.close);
  const dead = await deadUrl();
  const log = logs();
  const health = createIssuerKeyHealth({ logger: log });
  const clock = manualClock(NOW_MS);
  const resolver = createIssuerKeyResolver({ now: clock, onFetch: health.record });
  const policy = policyWith([good.url, dead]);
  t.same(policyJwksUris(policy), [good.url, dead]);
  t.same(health.snapshot(policyJwksUris(policy)).map((h) => h.status), ['unknown', 'unknown'], 'never fetched yet');

  const outcomes = await probeJwksUris(policy, resolver);
  t.same(outcomes.map((o) => o.ok), [true, false]);
  t.match(outcomes[1]?.cause, /ECONNREFUSED/);
  const [ok, failing] = health.snapshot(policyJwksUris(policy));
  t.match(ok, { jwks_uri: good.url, status: 'ok', last_error: null });
  t.match(failing, { jwks_uri: dead, status: 'failing', last_error: /ECONNREFUSED/, consecutive_failures: 1 });
  t.match(log.lines, [{ level: 'warn', obj: { jwks_uri: dead, cause: /ECONNREFUSED/ }, msg: /cannot be fetched/ }]);

  await probeJwksUris(policy, resolver);
  t.equal(log.lines.length, 1, 'a lasting failure is not logged again within the minute');
  t.equal(health.snapshot([dead])[0]?.consecutive_failures, 2);

  good.state.status = 500;
  await probeJwksUris(policy, resolver);
  t.match(health.snapshot([good.url])[0], { status: 'failing', last_error: /Expected 200 OK/ });
  good.state.status = 200;
  await probeJwksUris(policy, resolver);
  t.match(log.lines.at(-1), { level: 'info', obj: { jwks_uri: good.url, after_failures: 1 }, msg: /fetched again/ });
  t.same(new Map([...health.reachability()].map(([uri, r]) => [uri, r.ok])), new Map([[good.url, true], [dead, false]]));
});

t.test('the metrics gauge and /readyz show it; the broker stays ready', async (t) => {
  const dead = await deadUrl();
  const good = await jwksServer();
  t.teardown(good.close);
  const health = createIssuerKeyHealth({ logger: logs() });
  const resolver = createIssuerKeyResolver({ onFetch: health.record });
  const policy = holder(policyWith([good.url, dead]));
  await probeJwksUris(policy.current(), resolver);

  const metrics = createMetrics({
    registry: new Registry(), policy, clock: () => NOW_MS, defaultMetrics: false,
    sources: { keyAgeSeconds: () => 0, shadowCount: async () => 0, suspendedAgents: async () => new Set(), storeUp: () => true,
      issuerKeys: () => health.snapshot(policyJwksUris(policy.current())) },
  });
  const text = await metrics.registry.metrics();
  t.match(text, `sts_issuer_keys_up{jwks_uri="${good.url}"} 1`);
  t.match(text, `sts_issuer_keys_up{jwks_uri="${dead}"} 0`);
  policy.set(policyWith([good.url]));
  t.notMatch(await metrics.registry.metrics(), dead, 'a jwks_uri that left the policy leaves the gauge');
  policy.set(policyWith([good.url, dead]));

  const app = Fastify();
  t.teardown(() => app.close());
  const ctx = { policy, store: { ping: async () => {}, health: () => ({ replayCapacity: true }) }, audit: { healthy: () => true, probe: () => true } } as unknown as Parameters<typeof healthRoutes>[1]['ctx'];
  await app.register(healthRoutes, { ctx, keyRing: { ready: () => true } as never, issuerKeyHealth: health });
  const res = await app.inject({ url: '/readyz' });
  t.equal(res.statusCode, 200, 'one issuer down refuses its agents only: the instance stays in rotation');
  t.match(res.json(), { status: 'ready', issuer_keys: [{ jwks_uri: good.url, status: 'ok' }, { jwks_uri: dead, status: 'failing', last_error: 'ECONNREFUSED' }] });
  t.notMatch(res.body, /127\.0\.0\.1:\d+"?,"since|connect ECONNREFUSED/, 'the public route names the error code only');
});

t.test('token verification reports outcomes too: a first success and every failure', async (t) => {
  const good = await jwksServer();
  t.teardown(good.close);
  const seen: boolean[] = [];
  const resolver = createIssuerKeyResolver({ onFetch: (o) => void seen.push(o.ok), failureBackoffMs: 0 });
  const getKey = resolver.forIssuer({ jwksUri: good.url });
  const header = { alg: 'ES256', kid: 'k1' };
  await getKey!(header, { payload: '', signature: '' } as never);
  await getKey!(header, { payload: '', signature: '' } as never);
  t.same(seen, [true], 'a success is reported once, not per verification');
  await good.close();
  await resolver.probe(good.url);
  t.same(seen, [true, false]);
});
