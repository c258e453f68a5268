/**
 * Regression (security review): a broker whose metrics port was taken kept serving tokens on
 * its main port, /readyz said ready, and no signal handler was installed; one whose main port
 * was taken stayed alive serving nothing. A listener that cannot bind must stop the start: what
 * started is closed and the process exits 1, naming the listener and its setting.
 */
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import t from 'tap';
import { freePort } from '../helpers/redis.js';
import { exitWithin, spawnServe, writePolicy } from '../helpers/serve-process.js';

/** A port held by this test for as long as it runs. */
async function takenPort(t: Pick<typeof import('tap').default, 'teardown'>): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function serveEnv(ports: { main: number; metrics: number }): Promise<Record<string, string>> {
  const policy = writePolicy();
  return {
    STS_POLICY: policy, STS_LOG_LEVEL: 'error', STS_AUDIT_LOG: join(dirname(policy), 'audit.log'),
    STS_ISSUER: `http://127.0.0.1:${ports.main}`, STS_PORT: String(ports.main), STS_METRICS_PORT: String(ports.metrics),
  };
}

t.test('the metrics port taken: the broker exits 1 and says which listener', async (t) => {
  const metrics = await takenPort(t);
  const serve = spawnServe(await serveEnv({ main: await freePort(), metrics }));
  t.equal(await exitWithin(serve, 30_000), 1, serve.stderr());
  t.match(serve.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${metrics} \\(STS_METRICS_PORT\\): the address is already in use`));
});

t.test('the main port taken: the broker exits 1 and says which listener', async (t) => {
  const main = await takenPort(t);
  const serve = spawnServe(await serveEnv({ main, metrics: await freePort() }));
  t.equal(await exitWithin(serve, 30_000), 1, serve.stderr());
  t.match(serve.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${main} \\(STS_PORT\\): the address is already in use`));
});
