/**
 * `npm run bench`: the broker (a child process on Redis) against its floor (a bare fastify
 * route doing the same ES256 verify + sign with node:crypto; its throughput is measured before
 * and after the broker and the ratio uses the mean). Per scenario: saturated
 * throughput (autocannon, closed loop), p50/p99 at a steady open-loop offered load, Redis
 * commands per token and peak RSS. Prints a table, writes BENCH_OUT, exits 1 if over 1% of
 * the requests of any run failed. Settings: BENCH_SECONDS (10), BENCH_OUT
 * (bench-results.json), BENCH_RATE (1500), BENCH_CONNECTIONS (64), BENCH_PROFILE=1,
 * BENCH_SCENARIOS (exchange,client_credentials; add floor_state for the floor with state:
 * the floor plus one Redis round trip and one audit line per token, see floor-server.ts),
 * REDIS_URL (else its own redis-server on a free port).
 */
import { scrape, serverView } from './server-view.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../test/helpers/redis.js';
import { openLoop } from './open-loop.js';
import { writeBenchPolicy, type BenchPolicy } from './policy.js';
import { cpuMs, peakRssMb, trackPid } from './processes.js';
import { summariseAudit } from './audit-summary.js';
import { analyseProfile } from './profile.js';
import { diff, openStats, perToken } from './redis-stats.js';
import { printProfile, printTable, type ScenarioResult } from './report.js';
import { buildBodies, type Scenario } from './requests.js';
import { saturate } from './saturate.js';
import { settleHeap } from './settle-heap.js';
import { startBroker, startFloor, type Target } from './targets.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = positive('BENCH_SECONDS', 10);
const RATE = positive('BENCH_RATE', 1500);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 64);
const OUT = process.env.BENCH_OUT || 'bench-results.json';
const PROFILE = process.env.BENCH_PROFILE === '1';
const AGENTS = 16;
// BENCH_SCENARIOS=exchange runs only that one (the floor always runs: the ratio needs it).
const REQUESTED = (process.env.BENCH_SCENARIOS ?? 'exchange,client_credentials').split(',');
const SCENARIOS = (['exchange', 'client_credentials'] as const).filter((name) => REQUESTED.includes(name));
const FLOOR_STATE = REQUESTED.includes('floor_state');
const WARMUP_S = Math.min(2, SECONDS);
const WARMUP_TOKENS_PER_S = 15_000;
const MAX_FAILURE_RATIO = 0.01;

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

type Stats = Awaited<ReturnType<typeof openStats>>;

const scenarioLog = (scenario: string) => (msg: string) => process.stderr.write(`[bench] ${scenario}: ${msg}\n`);

/** Warm-up, then the saturated (closed-loop) run on fresh tokens; its CPU split per request. */
async function saturatedRun(scenario: Scenario, target: Target, policy: BenchPolicy, redisPid: number | undefined, stats?: Stats) {
  const log = scenarioLog(scenario);
  // Warm-up (JIT, connection pools, key ring); its rate sizes the token supply of the real run.
  log(`warm-up ${WARMUP_S}s`);
  // A fresh Redis starts a new store epoch and attestations issued (in whole seconds) before it
  // are refused: sign only once the epoch's own second is over.
  await new Promise((resolve) => setTimeout(resolve, 1_005 - (Date.now() % 1_000)));
  // Warm-up tokens are sized for a fast machine (a repeat is a cache hit for an exchange and a
  // replay refusal for an assertion); only the warm-up's rate is used.
  const warm = await saturate(target.url, buildBodies(scenario, WARMUP_TOKENS_PER_S * WARMUP_S, policy, target.url), WARMUP_S, CONNECTIONS);
  if (warm.failed + warm.errors > 0) log(`warm-up: ${warm.failed + warm.errors} of ${warm.requests} failed; sample: ${warm.sampleError ?? 'none'}`);
  // The warm-up runs on cold JIT and can be well below the saturated rate: three times its
  // rate, so no token repeats (a repeat is a verified-token cache hit and would flatter the broker).
  const satCount = Math.ceil(Math.max(warm.attempted_rps * 3, 3000) * SECONDS) + 1000;
  log(`signing ${satCount} tokens; saturated run ${SECONDS}s x ${CONNECTIONS} connections`);
  const satBodies = buildBodies(scenario, satCount, policy, target.url);
  const s0 = await stats?.snapshot();
  settleHeap();
  const cpu0 = cpuSplit(target.child.pid, redisPid);
  const sat = await saturate(target.url, satBodies, SECONDS, CONNECTIONS);
  const cpu1 = cpuSplit(target.child.pid, redisPid);
  const s1 = await stats?.snapshot();
  const cpuPerRequest = perRequestCpu(cpu0, cpu1, sat.requests);
  log(`saturated: ${Math.round(sat.rps)} req/s; CPU µs per request: server ${cpuPerRequest.server_us}, redis-server ${cpuPerRequest.redis_us}, load generator ${cpuPerRequest.load_us} (2 cores: ${Math.round(2e6 / (cpuPerRequest.server_us + cpuPerRequest.redis_us + cpuPerRequest.load_us))} req/s if all three shared them perfectly)`);
  if (sat.reused > 0) log(`WARNING: ${sat.reused} requests reused a token (supply ran out)`);
  return { warm, sat, cpuPerRequest, s0, s1 };
}

async function measure(scenario: Scenario, target: Target, policy: BenchPolicy, stats: Stats | undefined, redisPid: number | undefined): Promise<ScenarioResult> {
  const log = scenarioLog(scenario);
  const { warm, sat, cpuPerRequest, s0, s1 } = await saturatedRun(scenario, target, policy, redisPid, stats);

  const steadyBodies = buildBodies(scenario, Math.ceil(RATE * SECONDS) + 10, policy, target.url);
  log(`open-loop run ${RATE} req/s for ${SECONDS}s`);
  const s2 = await stats?.snapshot();
  const m0 = target.metricsUrl ? await scrape(target.metricsUrl) : undefined;
  const cpu2 = cpuSplit(target.child.pid, redisPid);
  const steady = await openLoop(target.host, target.port, steadyBodies, RATE, SECONDS);
  const cpu3 = cpuSplit(target.child.pid, redisPid);
  const steadyCpu = perRequestCpu(cpu2, cpu3, steady.sent);
  log(`open-loop: p50 ${round2(steady.p50_ms)} ms, p99 ${round2(steady.p99_ms)} ms, max ${round2(steady.max_ms)} ms; CPU µs per request: server ${steadyCpu.server_us}, redis-server ${steadyCpu.redis_us}, load generator ${steadyCpu.load_us}`);
  const m1 = target.metricsUrl ? await scrape(target.metricsUrl) : undefined;
  const s3 = await stats?.snapshot();
  const server = m0 && m1 ? serverView(m0, m1, scenario === 'exchange' ? 'token_exchange' : 'client_credentials') : undefined;
  if (server) log(`open-loop, broker's own view: issued p50 <= ${server.issued_p50_ms} ms, p99 <= ${server.issued_p99_ms} ms (bucket bounds); event-loop lag p99 ${server.eventloop_lag_p99_ms} ms; GC ${server.gc_seconds} s`);

  const tokens = sat.ok + steady.ok;
  let redis: ReturnType<typeof perToken> | undefined;
  if (s0 && s1 && s2 && s3) {
    const a = diff(s0, s1);
    const b = diff(s2, s3);
    const byCommand = { ...a.byCommand };
    for (const [k, v] of Object.entries(b.byCommand)) byCommand[k] = (byCommand[k] ?? 0) + v;
    redis = perToken({ commands: a.commands + b.commands, byCommand }, tokens);
  }
  const failures = [
    { run: 'saturated', bad: sat.failed + sat.errors, total: sat.requests, sample: sat.sampleError ?? warm.sampleError },
    { run: 'open-loop', bad: steady.failed + steady.errors, total: steady.sent, sample: steady.sampleError },
  ];
  return {
    scenario,
    rps: Math.round(sat.rps),
    p50_ms: round2(steady.p50_ms),
    p99_ms: round2(steady.p99_ms),
    redis_ops_per_token: redis ? redis.ops : null,
    rss_mb: peakRssMb(target.child.pid),
    detail: {
      saturated: sat,
      saturated_cpu_us_per_request: cpuPerRequest,
      open_loop: steady,
      open_loop_cpu_us_per_request: steadyCpu,
      ...(server ? { open_loop_server_view: server } : {}),
      ...(redis ? { redis_commands_per_token: redis.byCommand } : {}),
    },
    failures,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

interface CpuSplit { server: number; redis: number; load: number }

/** CPU ms so far of the server under test, redis-server and this process (the load generator). */
function cpuSplit(serverPid: number, redisPid: number | undefined): CpuSplit {
  const own = process.cpuUsage();
  return { server: cpuMs(serverPid), redis: redisPid ? cpuMs(redisPid) : 0, load: (own.user + own.system) / 1000 };
}

function perRequestCpu(a: CpuSplit, b: CpuSplit, requests: number): { server_us: number; redis_us: number; load_us: number } {
  const us = (ms: number) => (requests > 0 ? Math.round((ms * 1000) / requests) : 0);
  return { server_us: us(b.server - a.server), redis_us: us(b.redis - a.redis), load_us: us(b.load - a.load) };
}

async function stopTarget(target: Target, results: { profile?: unknown }, label: string): Promise<void> {
  await target.child.stop();
  if (!target.profileDir) return;
  const file = readdirSync(target.profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    process.stderr.write(`[bench] ${label}: no .cpuprofile written\n`);
    return;
  }
  const analysis = analyseProfile(join(target.profileDir, file), ROOT);
  printProfile(label, analysis);
  results.profile = { file: join(target.profileDir, file), ...analysis };
}

async function main(): Promise<number> {
  const load = loadavg().map((n) => Math.round(n * 100) / 100);
  if ((load[0] ?? 0) > cpus().length * 0.5) {
    process.stderr.write(`[bench] WARNING: load average ${load.join(' ')} on ${cpus().length} CPUs: other work is running, figures will be low and noisy\n`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sts-bench-'));
  const profileRoot = PROFILE ? mkdtempSync(join(tmpdir(), 'sts-bench-prof-')) : undefined;
  const redis = await startRedis();
  trackPid(redis.pid);
  let stats: Stats | undefined;
  const targets: Target[] = [];
  try {
    stats = await openStats(redis.url);
    const policy = writeBenchPolicy(tmp, AGENTS);
    const kek = randomBytes(32).toString('base64');
    const results: Record<string, ScenarioResult & { profile?: unknown }> = {};

    const floor = await startFloor(ROOT, policy.issuerKey.publicJwk);
    targets.push(floor);
    results.floor = await measure('floor', floor, policy, undefined, redis.pid);
    await floor.child.stop();

    // The audit trail lives apart from the policy, as in a deployment: the policy folder is
    // watched, and an audit file beside it would wake the watcher on every write.
    const auditDir = join(tmp, 'audit');
    mkdirSync(auditDir);
    if (FLOOR_STATE) {
      const withState = await startFloor(ROOT, policy.issuerKey.publicJwk, { redisUrl: redis.url, auditLog: join(auditDir, 'audit-floor-state.log') });
      targets.push(withState);
      results.floor_state = await measure('floor_state', withState, policy, stats, redis.pid);
      await withState.child.stop();
    }
    for (const scenario of SCENARIOS) {
      const broker = await startBroker({
        root: ROOT, policyPath: policy.path, redisUrl: redis.url, kek, auditLog: join(auditDir, `audit-${scenario}.log`),
        ...(profileRoot ? { profileDir: join(profileRoot, scenario) } : {}),
      });
      targets.push(broker);
      const result: ScenarioResult & { profile?: unknown } = await measure(scenario, broker, policy, stats, redis.pid);
      await stopTarget(broker, result, scenario);
      // Includes the warm-up; its denials (if any) explain themselves here.
      result.detail.audit_events = summariseAudit(join(auditDir, `audit-${scenario}.log`));
      results[scenario] = result;
    }
    const exchange = results.exchange;
    if ((exchange || results.floor_state) && results.floor) {
      // The floor is measured again after the broker: the ratio uses the mean of the runs that
      // bracket it, so drift on the host (other tenants, thermal) does not decide the ratio.
      const again = await startFloor(ROOT, policy.issuerKey.publicJwk);
      targets.push(again);
      const { sat } = await saturatedRun('floor', again, policy, redis.pid);
      await again.child.stop();
      results.floor.failures.push({ run: 'saturated, after the broker', bad: sat.failed + sat.errors, total: sat.requests, sample: sat.sampleError });
      const [before, after] = [results.floor.rps, Math.round(sat.rps)];
      results.floor.detail.saturated_rps_runs = [before, after];
      results.floor.rps = Math.round((before + after) / 2);
      for (const compared of [exchange, results.floor_state]) {
        if (!compared) continue;
        compared.floor_rps = results.floor.rps;
        compared.ratio = results.floor.rps > 0 ? round2(compared.rps / results.floor.rps) : null;
      }
    }

    printTable(Object.values(results), { seconds: SECONDS, rate: RATE, connections: CONNECTIONS, profiling: PROFILE });
    const failed = Object.values(results).flatMap((r) => r.failures.filter((f) => f.total === 0 || f.bad / f.total > MAX_FAILURE_RATIO).map((f) => ({ scenario: r.scenario, ...f })));
    const json = {
      meta: {
        date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model,
        load_average_at_start: load, seconds: SECONDS, offered_rps: RATE, connections: CONNECTIONS, agents: AGENTS, profiling: PROFILE,
        redis: process.env.REDIS_URL ? 'REDIS_URL' : 'own redis-server',
        redis_ops_per_token: 'Redis commands executed (INFO stats total_commands_processed delta, which on Redis 7 includes the commands a Lua script runs) per issued token, over both runs, broker background work included; round trips are not counted (see detail.redis_commands_per_token: each eval/evalsha is one round trip)',
        latency: 'open loop (bench/open-loop.ts): requests scheduled at a fixed rate on a timer over 128 keep-alive sockets opened before the clock starts, latency from the scheduled send time; autocannon overallRate was not used because it is closed loop per connection (coordinated omission)',
      },
      scenarios: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { ...r, failures: undefined }])),
    };
    writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
    process.stderr.write(`[bench] wrote ${OUT}\n`);
    for (const f of failed) {
      process.stderr.write(`[bench] FAILED: ${f.scenario} ${f.run}: ${f.bad} of ${f.total} requests failed (over 1%); sample: ${f.sample ?? 'none'}\n`);
    }
    return failed.length > 0 ? 1 : 0;
  } finally {
    for (const t of targets) await t.child.stop().catch(() => {});
    await stats?.close();
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[bench] error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
