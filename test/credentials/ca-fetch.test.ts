/** STS_ISSUER_CA_FILE: jwks_uris behind a private CA are fetched with the bundle, and only with it. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createIssuerKeyResolver } from '../../src/attestation/index.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createCaFetch, MAX_JWKS_BYTES } from '../../src/credentials/index.js';

/** A private CA and a server certificate for 127.0.0.1 signed by it (openssl, as an operator would make them). */
function privatePki(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test private CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

const dir = mkdtempSync(join(tmpdir(), 'sts-ca-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const pki = privatePki(dir);
let body = JSON.stringify({ keys: [] });
const server = createServer({ key: pki.key, cert: pki.cert }, (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;

t.test('without the bundle the private CA is not trusted; with it the keys are fetched', async (t) => {
  const plain = await createIssuerKeyResolver().probe(url);
  t.equal(plain.ok, false);
  t.match(plain.cause, /certificate|self.signed|UNABLE_TO_VERIFY/i);
  const trusted = await createIssuerKeyResolver({ fetch: createCaFetch(pki.ca) }).probe(url);
  t.same({ ok: trusted.ok, cause: trusted.cause }, { ok: true, cause: undefined });
});

t.test('the response is bounded', async (t) => {
  body = JSON.stringify({ keys: [], pad: 'x'.repeat(MAX_JWKS_BYTES) });
  t.teardown(() => { body = JSON.stringify({ keys: [] }); });
  const outcome = await createIssuerKeyResolver({ fetch: createCaFetch(pki.ca) }).probe(url);
  t.equal(outcome.ok, false);
  t.match(outcome.cause, /larger than/);
});

t.test('STS_ISSUER_CA_FILE is read and checked at start', async (t) => {
  writeFileSync(join(dir, 'bundle.pem'), pki.ca);
  t.equal(loadConfig({ STS_ISSUER_CA_FILE: join(dir, 'bundle.pem') }).issuerCaBundle, pki.ca);
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };
  t.match(problems({ STS_ISSUER_CA_FILE: join(dir, 'missing.pem') }), [/^STS_ISSUER_CA_FILE: cannot read .*ENOENT/]);
  t.match(problems({ STS_ISSUER_CA_FILE: join(dir, 'ca.key') }), [/holds a private key/]);
  writeFileSync(join(dir, 'empty.pem'), 'hello');
  t.match(problems({ STS_ISSUER_CA_FILE: join(dir, 'empty.pem') }), [/holds no PEM certificate/]);
});
