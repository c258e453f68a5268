/**
 * One push delivery's POST: the address a receiver's host name resolves to is checked as the
 * connection is made (a name pointing at a link-local or metadata address is never posted
 * to), the answer is read only as far as needed, and a slow receiver is cut at the timeout.
 * The resolver is the one thing replaced here (there is no DNS to point names with); the
 * receiver is a real HTTP server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import t from 'tap';
import { createSecurityEventMetrics } from '../../src/metrics/security-event-metrics.js';
import { pushSet } from '../../src/ssf/push-set.js';
import { ForbiddenAddressError, guardedLookup, oneAtATime, type Resolver } from '../../src/ssf/push-post.js';

/** A broker whose issuer is not loopback, with the defaults; one that allows private targets; a loopback (development) one. */
const PUBLIC_ONLY = { allowLoopback: false, allowPrivate: false };
const PRIVATE_ALLOWED = { allowLoopback: true, allowPrivate: true };
const LOOPBACK_ISSUER = { allowLoopback: true, allowPrivate: false };

const resolverTo = (...addresses: string[]): Resolver => (_host, _options, callback) =>
  callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

async function receiver(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const received: Array<{ contentType: string | undefined; authorization: string | undefined; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ contentType: req.headers['content-type'], authorization: req.headers.authorization, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://localhost:${port}/events`, received };
}

function lookupResult(resolver: Resolver, all: boolean, targets = PRIVATE_ALLOWED): Promise<{ error: Error | null; address: unknown }> {
  return new Promise((resolve) => guardedLookup(targets, resolver)('receiver.example', { all }, (error, address) => resolve({ error, address })));
}

t.test('a name resolving to a link-local, unspecified or metadata address is refused at connect time', async (t) => {
  for (const forbidden of ['169.254.169.254', '0.0.0.0', 'fe80::1', 'fe80::1%eth0', 'fd00:ec2::254', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '0:0:0:0:0:ffff:a9fe:a9fe', '100.100.100.200']) {
    const { error } = await lookupResult(resolverTo(forbidden), true);
    t.type(error, ForbiddenAddressError, forbidden);
  }
  // Any one forbidden address among several refuses the name: the connection may try each.
  t.type((await lookupResult(resolverTo('10.0.0.7', '169.254.169.254'), true)).error, ForbiddenAddressError, 'mixed answers');
  t.type((await lookupResult(resolverTo(), true)).error, ForbiddenAddressError, 'no address at all');
  t.equal((await lookupResult(resolverTo('::1', '64:ff9b::a00:7'), true)).error, null, 'with private targets allowed: loopback and a NAT64 address of an internal host');
  t.same(await lookupResult(resolverTo('10.0.0.7', '2001:db8::7'), true), { error: null, address: [{ address: '10.0.0.7', family: 4 }, { address: '2001:db8::7', family: 6 }] }, 'an internal service, when the operator allows it');
  t.same(await lookupResult(resolverTo('10.0.0.7'), false), { error: null, address: '10.0.0.7' }, 'the single-address form');
});

t.test('by default a name resolving to a loopback or private address is refused at connect time (DNS rebinding)', async (t) => {
  for (const internal of ['127.0.0.1', '::1', '10.0.0.7', '172.16.4.1', '192.168.1.1', '100.64.0.1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1',
    '::ffff:0:a00:7', '::ffff:0:7f00:1', '64:ff9b::c0a8:101', '2002:a00:7::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']) {
    t.type((await lookupResult(resolverTo(internal), true, PUBLIC_ONLY)).error, ForbiddenAddressError, internal);
  }
  t.type((await lookupResult(resolverTo('93.184.215.14', '10.0.0.7'), true, PUBLIC_ONLY)).error, ForbiddenAddressError, 'one internal address among public ones');
  t.equal((await lookupResult(resolverTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'), true, PUBLIC_ONLY)).error, null, 'public addresses');
  t.equal((await lookupResult(resolverTo('127.0.0.1'), true, LOOPBACK_ISSUER)).error, null, 'a loopback broker (development) may push to loopback');
  t.type((await lookupResult(resolverTo('10.0.0.7'), true, LOOPBACK_ISSUER)).error, ForbiddenAddressError, 'but not to a private address');
  t.type((await lookupResult(resolverTo('::ffff:0:a9fe:a9fe'), true, PRIVATE_ALLOWED)).error, ForbiddenAddressError, 'metadata, IPv4-translated: never');
});

t.test('a receiver whose name points at a metadata address gets nothing; pointed back, it gets the SET', async (t) => {
  const r = await receiver((_req, res) => res.writeHead(202).end());
  const target = { endpointUrl: r.url, authorizationHeader: 'Bearer receiver-secret' };
  t.same(await pushSet(target, 'a.b.c', { timeoutMs: 2_000, targets: LOOPBACK_ISSUER, resolve: resolverTo('169.254.169.254') }), { result: 'retry', why: 'forbidden_address' });
  t.equal(r.received.length, 0, 'no request was made');
  t.same(await pushSet(target, 'a.b.c', { timeoutMs: 2_000, targets: LOOPBACK_ISSUER, resolve: resolverTo('127.0.0.1') }), { result: 'delivered' });
  t.same(r.received, [{ contentType: 'application/secevent+jwt', authorization: 'Bearer receiver-secret', body: 'a.b.c' }]);
});

t.test("a 400's error code is read from the first few KiB; other answers are not read", async (t) => {
  let answer: (res: ServerResponse) => void = (res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ err: 'invalid_audience', description: 'x' }));
  const r = await receiver((_req, res) => answer(res));
  const push = () => pushSet({ endpointUrl: r.url }, 'a.b.c', { timeoutMs: 2_000, targets: LOOPBACK_ISSUER });
  t.same(await push(), { result: 'rejected', err: 'invalid_audience' });
  answer = (res) => res.writeHead(400).end(JSON.stringify({ err: 'invalid_key' }));
  t.same(await push(), { result: 'retry', why: 'invalid_key' });
  // A huge answer is cut at the limit: unparsable, so `other`, and the broker reads no further.
  answer = (res) => res.writeHead(400).end(`{"err":"invalid_request","description":"${'x'.repeat(1_000_000)}"}`);
  t.same(await push(), { result: 'rejected', err: 'other' });
  answer = (res) => res.writeHead(503).end('x'.repeat(1_000_000));
  t.same(await push(), { result: 'retry', why: 'status_503' });
});

t.test('a receiver that does not answer is cut at the timeout', async (t) => {
  const r = await receiver(() => { /* never answers */ });
  const started = Date.now();
  t.same(await pushSet({ endpointUrl: r.url }, 'a.b.c', { timeoutMs: 200, targets: LOOPBACK_ISSUER }), { result: 'retry', why: 'timeout' });
  t.ok(Date.now() - started < 5_000, 'cut, not left hanging');
  const closed = new AbortController();
  closed.abort();
  t.same(await pushSet({ endpointUrl: r.url }, 'a.b.c', { timeoutMs: 2_000, targets: LOOPBACK_ISSUER, signal: closed.signal }), { result: 'retry', why: 'unreachable' }, 'a broker shutting down stops at once');
});

t.test('a stream whose stored authorization header did not open is not pushed to', async (t) => {
  const r = await receiver((_req, res) => res.writeHead(202).end());
  t.same(await pushSet({ endpointUrl: r.url, authorizationUnreadable: true }, 'a.b.c', { timeoutMs: 2_000, targets: LOOPBACK_ISSUER }), { result: 'retry', why: 'authorization_unreadable' });
  t.equal(r.received.length, 0);
});

t.test('the reasons a push is held back are counted under their own names', async (t) => {
  const registry = new Registry();
  const metrics = createSecurityEventMetrics({ registry, backlogs: async () => [] });
  for (const why of ['forbidden_address', 'authorization_unreadable', 'no_such_reason']) metrics.failed('push', why);
  const text = await registry.getSingleMetricAsString('sts_security_events_failed_total');
  t.match(text, /reason="forbidden_address"\} 1/);
  t.match(text, /reason="authorization_unreadable"\} 1/);
  t.match(text, /reason="other"\} 1/, 'anything else stays one label value');
});

t.test('lookups for pushes run one at a time, so a name whose DNS hangs holds one pool thread at most', async (t) => {
  const started: string[] = [];
  const pending: Array<() => void> = [];
  const serial = oneAtATime((host, _options, callback) => {
    started.push(host);
    pending.push(() => callback(null, [{ address: '10.0.0.1', family: 4 }]));
  });
  const answered: string[] = [];
  for (const host of ['hangs.example', 'next.example']) serial(host, { all: true }, () => answered.push(host));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(started, ['hangs.example'], 'the second waits for the first');
  pending.shift()?.();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(started, ['hangs.example', 'next.example']);
  pending.shift()?.();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(answered, ['hangs.example', 'next.example']);
});
