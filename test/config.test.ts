import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

const KEK = Buffer.alloc(32, 7).toString('base64');

t.test('defaults follow the issue', async (t) => {
  const c = loadConfig({});
  t.equal(c.issuer, 'http://localhost:8080');
  t.equal(c.tokenEndpoint, 'http://localhost:8080/oauth/token');
  t.equal(c.port, 8080);
  t.equal(c.policyPath, 'config/policy.yaml');
  t.equal(c.redisUrl, undefined);
  t.equal(c.keyRotationMs, 86_400_000);
  t.equal(c.keyPublishAheadMs, 3_600_000);
  t.same(c.rateLimitAddress, { max: 1000, windowMs: 10_000 });
  t.same(c.rateLimitIntrospect, { max: 1000, windowMs: 10_000 });
  t.same(c.rateLimitRevoke, { max: 100, windowMs: 10_000 });
  t.same(c.rateLimitAdmin, { max: 100, windowMs: 10_000 });
  t.same(c.rateLimitConsole, { max: 100, windowMs: 10_000 });
  t.equal(c.metricsPort, 9464);
  t.ok(Object.isFrozen(c));
});

t.test('every bad value is reported at once, each naming its setting', async (t) => {
  const error = t.throws(() =>
    loadConfig({
      STS_ISSUER: 'ftp://x', STS_PORT: '99999', STS_LOG_LEVEL: 'loud', STS_KEY_ROTATION: 'soon', STS_RATE_LIMIT_ADDRESS: 'lots', STS_SIGNING_ALG: 'HS256',
      STS_RATE_LIMIT_INTROSPECT: '0/1s', STS_RATE_LIMIT_REVOKE: '10', STS_RATE_LIMIT_ADMIN: '10/1w',
      STS_RATE_LIMIT_CONSOLE: 'many',
    }),
  ) as unknown as ConfigError;
  t.type(error, ConfigError);
  const names = ['STS_ISSUER', 'STS_PORT', 'STS_LOG_LEVEL', 'STS_KEY_ROTATION', 'STS_RATE_LIMIT_ADDRESS', 'STS_SIGNING_ALG', 'STS_RATE_LIMIT_INTROSPECT', 'STS_RATE_LIMIT_REVOKE', 'STS_RATE_LIMIT_ADMIN', 'STS_RATE_LIMIT_CONSOLE'];
  for (const name of names) {
    t.ok(error.problems.some((p) => p.startsWith(`${name}:`)), `${name} is named`);
  }
});

t.test('the issuer is https (http only on loopback), without query or fragment; a trailing slash is dropped', async (t) => {
  t.equal(loadConfig({ STS_ISSUER: 'https://sts.example.com/' }).issuer, 'https://sts.example.com');
  t.throws(() => loadConfig({ STS_ISSUER: 'http://sts.example.com' }), /https/);
  t.throws(() => loadConfig({ STS_ISSUER: 'https://sts.example.com/?a=1' }), /query or fragment/);
});

t.test('Redis needs a 32-byte key-encryption key', async (t) => {
  t.throws(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), /STS_KEY_ENCRYPTION_KEY: required with REDIS_URL/);
  t.throws(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', STS_KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }), /32 bytes/);
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', STS_KEY_ENCRYPTION_KEY: KEK }).keyEncryptionKey?.length, 32);
});

t.test('the publish-ahead window is shorter than the rotation period', async (t) => {
  t.throws(() => loadConfig({ STS_KEY_ROTATION: '10s', STS_KEY_PUBLISH_AHEAD: '10s' }), /STS_KEY_PUBLISH_AHEAD/);
  t.equal(loadConfig({ STS_KEY_ROTATION: '8s' }).keyPublishAheadMs, 2000);
});

t.test('webhooks need their signing secret', async (t) => {
  t.throws(() => loadConfig({ STS_ALERT_WEBHOOKS: 'https://hooks.example.com/a' }), /STS_ALERT_WEBHOOK_SECRET/);
  t.same(loadConfig({ STS_ALERT_WEBHOOKS: 'https://a.example/x, https://b.example/y', STS_ALERT_WEBHOOK_SECRET: 's' }).alertWebhooks, ['https://a.example/x', 'https://b.example/y']);
});

t.test('each listener has its own port: a clash is a bad setting, not an EADDRINUSE at listen', async (t) => {
  t.throws(() => loadConfig({ STS_PORT: '9000', STS_METRICS_PORT: '9000' }), /STS_METRICS_PORT: 9000 is already used by STS_PORT/);
  t.throws(() => loadConfig({ STS_ADMIN_PORT: '9464' }), /STS_ADMIN_PORT: 9464 is already used by STS_METRICS_PORT/);
  t.throws(() => loadConfig({ STS_ADMIN_PORT: '8080', STS_ADMIN_HOST: '0.0.0.0' }), /STS_ADMIN_PORT/);
  t.equal(loadConfig({ STS_PORT: '9000', STS_METRICS_PORT: '9000', STS_METRICS_HOST: '10.0.0.5' }).metricsPort, 9000, 'distinct addresses may share a port');
  t.equal(loadConfig({ STS_METRICS_PORT: '0', STS_ADMIN_PORT: '9000', STS_ADMIN_HOST: '127.0.0.1' }).metricsPort, 0, 'metrics on port 0 picks a free port');
  // The admin listener defaults to 127.0.0.1 whatever STS_HOST is.
  t.throws(() => loadConfig({ STS_HOST: '10.0.0.5', STS_ADMIN_PORT: '9464' }), /STS_ADMIN_PORT: 9464 is already used by STS_METRICS_PORT/);
  t.equal(loadConfig({ STS_HOST: '10.0.0.5', STS_ADMIN_PORT: '8080' }).adminHost, '127.0.0.1', 'another address may share the agents\' port');
  t.equal(loadConfig({ STS_HOST: '0.0.0.0', STS_ADMIN_PORT: '8080', STS_ADMIN_HOST: '::1' }).adminPort, 8080, '0.0.0.0 does not take IPv6 addresses');
  t.throws(() => loadConfig({ STS_HOST: '::', STS_ADMIN_PORT: '8080' }), /STS_ADMIN_PORT/, ':: takes every address');
});

t.test('the limits of introspection, revocation, the admin API and the console are settings', async (t) => {
  const c = loadConfig({ STS_RATE_LIMIT_INTROSPECT: '5000/1m', STS_RATE_LIMIT_REVOKE: '10/10s', STS_RATE_LIMIT_ADMIN: '30/1m', STS_RATE_LIMIT_CONSOLE: '50/1m' });
  t.same([c.rateLimitIntrospect, c.rateLimitRevoke, c.rateLimitAdmin, c.rateLimitConsole], [{ max: 5000, windowMs: 60_000 }, { max: 10, windowMs: 10_000 }, { max: 30, windowMs: 60_000 }, { max: 50, windowMs: 60_000 }]);
  t.equal(loadConfig({ STS_CONFIG: '/etc/sts.yaml' }, () => 'STS_RATE_LIMIT_ADMIN: 7/1m\n').rateLimitAdmin.max, 7, 'known in the config file too');
});

t.test('an optional config file sits under the environment and rejects unknown keys', async (t) => {
  const files: Record<string, string> = { '/etc/sts.yaml': 'STS_PORT: 9090\nSTS_LOG_LEVEL: debug\n', '/etc/bad.yaml': 'STS_PROT: 1\n' };
  const read = (p: string) => files[p] ?? '';
  const c = loadConfig({ STS_CONFIG: '/etc/sts.yaml', STS_LOG_LEVEL: 'warn' }, read);
  t.equal(c.port, 9090);
  t.equal(c.logLevel, 'warn', 'the environment wins');
  t.throws(() => loadConfig({ STS_CONFIG: '/etc/bad.yaml' }, read), /unknown setting STS_PROT/);
});
