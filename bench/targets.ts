/**
 * Starting what is measured: the floor server and the broker, each its own process so
 * its CPU is not shared with the load generator's thread and its RSS is measured alone.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/helpers/redis.js';
import { startChild, waitHttp, type Child } from './processes.js';

export interface Target {
  child: Child;
  host: string;
  port: number;
  url: string;
  /** The broker's Prometheus endpoint (absent for the floor). */
  metricsUrl?: string;
  profileDir?: string;
}

function baseEnv(): NodeJS.ProcessEnv {
  // UV_THREADPOOL_SIZE is passed through for experiments (libuv's pool serves DNS, file I/O and any WebCrypto).
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production',
    ...(process.env.UV_THREADPOOL_SIZE ? { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE } : {}),
  };
}

/** With `state`, the floor with state: the floor plus one Redis round trip and one audit line per token. */
export async function startFloor(root: string, verifyJwk: Record<string, string>, state?: { redisUrl: string; auditLog: string }): Promise<Target> {
  const child = startChild(process.execPath, ['--import', 'tsx', join(root, 'bench/floor-server.ts')], {
    ...baseEnv(),
    FLOOR_VERIFY_JWK: JSON.stringify(verifyJwk),
    ...(state ? { FLOOR_REDIS_URL: state.redisUrl, FLOOR_AUDIT_LOG: state.auditLog } : {}),
  });
  const match = await child.waitFor(/READY (\d+)/);
  const port = Number(match[1]);
  return { child, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` };
}

export interface BrokerOptions {
  root: string;
  policyPath: string;
  redisUrl: string;
  kek: string;
  auditLog: string;
  profileDir?: string;
}

export async function startBroker(o: BrokerOptions): Promise<Target> {
  const port = await freePort();
  const metricsPort = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // BENCH_NODE_FLAGS: extra V8/Node flags for the broker (e.g. --max-semi-space-size=32).
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...extra, ...(o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : [])];
  if (o.profileDir) mkdirSync(o.profileDir, { recursive: true });
  const child = startChild(process.execPath, [...nodeArgs, join(o.root, 'dist/cli/main.js'), 'serve'], {
    ...baseEnv(),
    STS_ISSUER: issuer,
    STS_HOST: '127.0.0.1',
    STS_PORT: String(port),
    STS_POLICY: o.policyPath,
    REDIS_URL: o.redisUrl,
    STS_KEY_ENCRYPTION_KEY: o.kek,
    STS_METRICS_HOST: '127.0.0.1',
    STS_METRICS_PORT: String(metricsPort),
    STS_RATE_LIMIT_ADDRESS: '10000000/1s',
    STS_AUDIT_LOG: o.auditLog,
    STS_LOG_LEVEL: 'warn',
  });
  await waitHttp(`${issuer}/healthz`, child);
  return { child, host: '127.0.0.1', port, url: issuer, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, ...(o.profileDir ? { profileDir: o.profileDir } : {}) };
}
