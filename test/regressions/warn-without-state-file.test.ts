/**
 * Regression (probe of the running broker): with Redis and no STS_STATE_FILE, a suspension made
 * through the admin API was lost when Redis lost its data while the broker restarted, and
 * nothing had warned of it (the embedded store did warn). The broker now warns at start, with
 * either store, whenever suspensions have no copy on disk.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { createBroker } from '../../src/broker.js';
import { loadConfig } from '../../src/config.js';
import { basePolicy, preparePolicy, STS } from '../helpers/broker.js';
import { TEST_KEK } from '../helpers/redis-broker.js';
import { startRedis } from '../helpers/redis.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const prepared = await preparePolicy(basePolicy(), { nowMs: Date.now() });

async function startupWarnings(t: { teardown(fn: () => Promise<void>): void }, env: Record<string, string>): Promise<string[]> {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
  const broker = await createBroker(loadConfig({ STS_ISSUER: STS, STS_KEY_ENCRYPTION_KEY: TEST_KEK, ...env }), {
    logger: pino({ level: 'warn' }, sink),
    policy: prepared.compiled,
    auditSink: { write: () => {}, close: () => {} },
    defaultMetrics: false,
  });
  t.teardown(() => broker.close());
  return lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
}

t.test('Redis without a state file: warned at start', async (t) => {
  const warnings = await startupWarnings(t, { REDIS_URL: redis.url });
  t.ok(warnings.some((m) => /STS_STATE_FILE is not set/.test(m)), warnings.join('\n'));
});

t.test('Redis with a state file: no such warning', async (t) => {
  const warnings = await startupWarnings(t, { REDIS_URL: redis.url, STS_STATE_FILE: join(mkdtempSync(join(tmpdir(), 'sts-state-')), 'state.json') });
  t.notOk(warnings.some((m) => /STS_STATE_FILE/.test(m)), warnings.join('\n'));
});

t.test('the embedded store without a state file: warned at start', async (t) => {
  const warnings = await startupWarnings(t, {});
  t.ok(warnings.some((m) => /embedded store\): set STS_STATE_FILE/.test(m)), warnings.join('\n'));
});
