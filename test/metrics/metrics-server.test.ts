import t from 'tap';
import pino from 'pino';
import { buildMetricsServer } from '../../src/metrics/index.js';
import { agent, compiled, holder } from './policy-fixture.js';
import { testMetrics } from './helpers.js';

t.test('GET /metrics serves the app registry in the Prometheus text format', async (t) => {
  const m = testMetrics(holder(compiled([agent('agent-a')])));
  m.keyRotated();
  const app = buildMetricsServer(m.registry, { logger: pino({ level: 'silent' }), timeouts: { connectionTimeoutMs: 10_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 } });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.match(res.body, /sts_key_rotations_total 1/);
  t.equal((await app.inject({ method: 'GET', url: '/oauth/token' })).statusCode, 404, 'nothing else is served');
});
