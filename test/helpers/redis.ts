/**
 * Real Redis for tests: spawns `redis-server` from PATH on a free port (never 6379), in its
 * own temp dir, without persistence, and stops it by its pid. `REDIS_URL` uses an existing
 * server instead (then `restart` is impossible: `canRestart` is false, skip such tests).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NOT_FOUND = 'redis-server not found on PATH: install it (apt-get install redis-server) or set REDIS_URL';

export interface TestRedis {
  url: string;
  port: number;
  pid: number | undefined;
  canRestart: boolean;
  stop(): Promise<void>;
  restart(opts?: { keepData?: boolean }): Promise<void>;
  /** Kill the server without starting it again (to test an outage); `restart` brings it back. */
  kill(): Promise<void>;
}

export interface TestRedisCluster {
  nodes: Array<{ host: string; port: number }>;
  url: string;
  stop(): Promise<void>;
}

function onPath(cmd: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => {
    try {
      return statSync(join(d, cmd)).isFile();
    } catch {
      return false;
    }
  });
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * Port 0 lets the OS pick a free port (never 6379: it is in use). With `bus`, port + 10000
 * (the cluster bus) must be free as well.
 */
export async function freePort(opts: { bus?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await listenOnce(0);
    if (port === 6379 || port === 16379) continue;
    if (!opts.bus) return port;
    if (port + 10000 > 65535) continue;
    if (await listenOnce(port + 10000).then(() => true, () => false)) return port;
  }
  throw new Error('no free port found');
}

/** Sends PING over a raw socket (no ioredis) until +PONG or the deadline. */
async function waitForPing(port: number, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port });
      const done = (v: boolean) => { sock.destroy(); resolve(v); };
      sock.setTimeout(500, () => done(false));
      sock.on('error', () => done(false));
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => done(d.toString().startsWith('+PONG')));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Servers still running when the test process exits (even by a crash) are killed by pid. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function spawnServer(port: number, dir: string, extra: string[]): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning', ...extra];
  return track(spawn('redis-server', args, { stdio: 'ignore' }));
}

/** Spawns and waits for PING; rejects if the server exits first (e.g. the port was taken). */
async function launch(port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const child = spawnServer(port, dir, extra);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) =>
    reject(new Error(`redis-server on port ${port} exited (${code})`))));
  exited.catch(() => {});
  await Promise.race([waitForPing(port), exited]);
  return child;
}

function requireRedisServer(): void {
  if (!onPath('redis-server')) throw new Error(NOT_FOUND);
}

export async function startRedis(opts: { args?: string[] } = {}): Promise<TestRedis> {
  const existing = process.env.REDIS_URL;
  if (existing) {
    const port = Number(new URL(existing).port || 6379);
    return {
      url: existing, port, pid: undefined, canRestart: false,
      stop: async () => {},
      kill: async () => { throw new Error('cannot kill a REDIS_URL server'); },
      restart: async () => { throw new Error('cannot restart a REDIS_URL server'); },
    };
  }
  requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'sts-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const start = async (extra: string[]) => {
    child = await launch(port, dir, [...(opts.args ?? []), ...extra]);
  };
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start([]);
      break;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
  const handle: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() { return child?.pid; },
    canRestart: true,
    kill: async () => { await stopProcess(child); },
    restart: async (r = {}) => {
      if (r.keepData) await run('redis-cli', ['-p', String(port), 'SAVE']).catch(() => {});
      await stopProcess(child);
      if (!r.keepData) rmSync(join(dir, 'dump.rdb'), { force: true });
      await start([]);
    },
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Three masters, no replicas, joined with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'sts-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort({ bus: true });
      const nodeDir = join(dir, String(i));
      mkdirSync(nodeDir);
      children.push(await launch(port, nodeDir, ['--cluster-enabled', 'yes',
        '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '2000']));
      ports.push(port);
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas', '0', '--cluster-yes']);
    await waitForClusterOk(ports);
  } catch (err) {
    await Promise.all(children.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    nodes,
    url: `redis-cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    stop: async () => {
      await Promise.all(children.map(stopProcess));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForClusterOk(ports: number[], deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const states = await Promise.all(ports.map((p) =>
      run('redis-cli', ['-p', String(p), 'CLUSTER', 'INFO']).then((r) => r.stdout, () => '')));
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    if (Date.now() > end) throw new Error('redis cluster did not reach cluster_state:ok');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One Sentinel watching `masterPort` as `mymaster` (quorum 1); url is redis-sentinel://. */
export async function startRedisSentinel(masterPort: number): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'sts-redis-sentinel-'));
  const port = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`, 'sentinel down-after-milliseconds mymaster 5000', ''].join('\n'));
  const child = track(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
  try {
    await waitForPing(port);
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return {
    url: `redis-sentinel://127.0.0.1:${port}/mymaster`,
    port,
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
