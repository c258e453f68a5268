/**
 * Regression (black-box review): a broker started with an STS_KEY_ENCRYPTION_KEY that does
 * not decrypt the key ring already in Redis printed the reason but kept running, listening on
 * nothing, until killed. A supervisor must see a refused start as an exit.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freePort, startRedis } from '../helpers/redis.js';
import { writePolicy } from '../helpers/serve-process.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `agent-sts serve`; resolves with its exit code, or 'running' once /healthz answers. */
async function serve(env: Record<string, string>, timeoutMs = 30_000): Promise<{ outcome: number | 'running'; stderr: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  const deadline = Date.now() + timeoutMs;
  const healthy = (async () => {
    while (Date.now() < deadline && child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${env.STS_PORT}/healthz`).then((r) => r.ok, () => false);
      if (ok) return 'running' as const;
      await new Promise((r) => setTimeout(r, 100));
    }
    return child.exitCode ?? ('timeout' as const);
  })();
  const outcome = await Promise.race([exited, healthy]);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    throw new Error(`neither exited nor became healthy: ${stderr}`);
  }
  return { outcome, stderr, stop: () => child.kill('SIGKILL') };
}

t.test('a key-encryption key that does not open the stored key ring stops the broker with exit 1', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const policy = writePolicy();
  const env = async (kek: Buffer) => {
    const port = await freePort();
    let metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    return {
      REDIS_URL: redis.url, STS_KEY_ENCRYPTION_KEY: kek.toString('base64'), STS_POLICY: policy, STS_LOG_LEVEL: 'error',
      STS_PORT: String(port), STS_METRICS_PORT: String(metricsPort), STS_AUDIT_LOG: join(dirname(policy), 'audit.log'),
    };
  };

  const first = await serve(await env(randomBytes(32)));
  t.equal(first.outcome, 'running', first.stderr);
  first.stop();

  const second = await serve(await env(randomBytes(32)));
  t.equal(second.outcome, 1, 'exits 1 instead of staying alive');
  t.match(second.stderr, /STS_KEY_ENCRYPTION_KEY does not decrypt the key ring/);
});
