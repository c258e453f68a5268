/**
 * Regression (security review): `NODE_ENV=production STS_ISSUER=https://sts.example.com
 * agent-sts serve` started on the sample policy; `Authorization: Bearer dev-admin-key` was then
 * an admin and the sample's development issuers were trusted, and `policy check` reported
 * nothing. The sample's well-known credentials are now errors on a broker others can reach
 * (https or non-loopback issuer, or NODE_ENV=production): the broker refuses to start and
 * `policy check` fails. On a developer's loopback broker they stay, with a warning.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { runCli } from '../../src/cli/run-cli.js';
import { isProductionDeployment } from '../../src/config.js';
import { loadPolicyFile } from '../../src/policy/index.js';
import { FIXTURES, NOW } from '../policy/build.js';
import { freePort } from '../helpers/redis.js';
import { exitWithin, spawnServe } from '../helpers/serve-process.js';

const SAMPLE = readFileSync(resolve('config/policy.yaml'));
const JWKS = readFileSync(join(FIXTURES, 'issuer.jwks.json'), 'utf8');
const SAMPLE_CREDENTIALS = ['operators[dev-admin].key_sha256', 'issuers[http://localhost:8080/dev-issuer].issuer', 'user_issuers[http://localhost:8080/dev-people].issuer'];

/** The sample policy beside the public key files `agent-sts dev init` would generate. */
function sampleDir(t: Pick<typeof import('tap').default, 'testdir'>): string {
  return t.testdir({
    'policy.yaml': SAMPLE,
    dev: { 'issuer.jwks.json': JWKS, 'ticket-summarizer.jwks.json': JWKS, 'people.jwks.json': JWKS },
  });
}

t.test('who counts as production: anything but an http loopback issuer, or NODE_ENV=production', async (t) => {
  t.equal(isProductionDeployment('http://localhost:8080', undefined), false);
  t.equal(isProductionDeployment('http://127.0.0.1:9000', 'development'), false);
  t.equal(isProductionDeployment('http://localhost:8080', 'production'), true);
  t.equal(isProductionDeployment('https://localhost:8443', undefined), true);
  t.equal(isProductionDeployment('https://sts.example.com', undefined), true);
});

t.test('the sample policy in production: every well-known credential is an error', async (t) => {
  const dir = sampleDir(t);
  const { compiled, problems } = await loadPolicyFile(join(dir, 'policy.yaml'), { nowMs: NOW, stsIssuer: 'https://sts.example.com', production: true });
  t.equal(compiled, null, 'refused');
  for (const path of SAMPLE_CREDENTIALS) {
    t.ok(problems.some((p) => p.severity === 'error' && p.path === path && /refused outside a developer's machine/.test(p.message)), path, { problems });
  }
});

t.test('the sample policy on a developer machine: loads, with a warning for each', async (t) => {
  const dir = sampleDir(t);
  const { compiled, problems } = await loadPolicyFile(join(dir, 'policy.yaml'), { nowMs: NOW, stsIssuer: 'http://localhost:8080', production: false });
  t.ok(compiled);
  t.same(problems.map((p) => [p.severity, p.path]), SAMPLE_CREDENTIALS.map((path) => ['warning', path]));
});

t.test('policy check: exit 1 for an https issuer or NODE_ENV=production, warnings otherwise', async (t) => {
  const file = join(sampleDir(t), 'policy.yaml');
  const check = async (argv: string[], env: NodeJS.ProcessEnv) => {
    let stdout = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } };
    return { code: await runCli(['policy', 'check', file, '--now', '2026-11-26T00:00:00Z', ...argv], env, io), stdout };
  };
  const https = await check(['--issuer', 'https://sts.example.com'], {});
  t.equal(https.code, 1, https.stdout);
  t.match(https.stdout, /error {2}operators\[dev-admin\]\.key_sha256: is the sample's well-known development key/);
  const productionEnv = await check([], { NODE_ENV: 'production' });
  t.equal(productionEnv.code, 1, productionEnv.stdout);
  const local = await check([], {});
  t.equal(local.code, 0, local.stdout);
  t.match(local.stdout, /warning {2}operators\[dev-admin\]\.key_sha256/);
});

t.test('serve refuses to start on the sample policy in production, saying why', async (t) => {
  const dir = sampleDir(t);
  const serve = spawnServe({
    NODE_ENV: 'production', STS_ISSUER: 'https://sts.example.com', STS_POLICY: join(dir, 'policy.yaml'),
    STS_PORT: String(await freePort()), STS_METRICS_PORT: '0', STS_AUDIT_LOG: join(dir, 'audit.log'), STS_LOG_LEVEL: 'error',
  });
  t.equal(await exitWithin(serve, 30_000), 2, serve.stderr());
  t.match(serve.stderr(), /refusing to start/);
  t.match(serve.stderr(), /operators\[dev-admin\]\.key_sha256: is the sample's well-known development key/);
});
