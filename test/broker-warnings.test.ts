/** Start-up warnings for listeners on network addresses: each exposure named, none on loopback. */
import t from 'tap';
import type { FastifyBaseLogger } from 'fastify';
import { exposureWarnings, warnAboutExposure } from '../src/broker-warnings.js';
import { loadConfig } from '../src/config.js';

const warningsFor = (env: Record<string, string>) => exposureWarnings(loadConfig({ STS_POLICY: 'unused.yaml', ...env }));

t.test('the defaults (every listener on loopback) warn about nothing', async (t) => {
  t.same(warningsFor({}), []);
  t.same(warningsFor({ STS_HOST: 'localhost', STS_METRICS_HOST: '::1' }), []);
});

t.test('the image defaults (0.0.0.0, issuer left at localhost) warn about the admin API, metrics and the issuer', async (t) => {
  const warnings = warningsFor({ STS_HOST: '0.0.0.0', STS_METRICS_HOST: '0.0.0.0' });
  t.equal(warnings.length, 3, warnings.join('\n'));
  t.match(warnings[0], /admin API and the console are served on the agents' port \(STS_HOST=0\.0\.0\.0\).*STS_ADMIN_PORT/);
  t.match(warnings[1], /metrics are served without authentication on 0\.0\.0\.0:9464 \(STS_METRICS_HOST\)/);
  t.match(warnings[2], /STS_ISSUER is http:\/\/localhost:8080 but the broker listens on 0\.0\.0\.0/);
});

t.test('each warning goes away with the setting it names', async (t) => {
  const deployed = { STS_HOST: '0.0.0.0', STS_ISSUER: 'https://sts.example.com', STS_ADMIN_PORT: '8081' };
  t.same(warningsFor(deployed), [], 'own admin listener, real issuer, metrics on loopback');
  t.match(warningsFor({ ...deployed, STS_METRICS_HOST: '0.0.0.0' }), [/metrics are served without authentication/]);
  t.match(warningsFor({ STS_HOST: '::', STS_ISSUER: 'https://sts.example.com' }), [/admin API and the console are served on the agents' port/]);
});

t.test('warnAboutExposure logs each one as a warning', async (t) => {
  const logged: string[] = [];
  const logger = { warn: (message: string) => void logged.push(message) } as unknown as FastifyBaseLogger;
  const config = loadConfig({ STS_POLICY: 'unused.yaml', STS_HOST: '0.0.0.0', STS_METRICS_HOST: '0.0.0.0' });
  warnAboutExposure(config, logger);
  t.same(logged, exposureWarnings(config));
  t.equal(logged.length, 3);
});
