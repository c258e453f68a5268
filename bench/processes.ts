/**
 * Child processes of the bench (broker, floor server, redis-server): started here, tracked
 * by pid, and killed on exit, error or signal, so a run never leaves anything behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';

const children = new Set<ChildProcess>();
const extraPids = new Set<number>();

export function trackPid(pid: number | undefined): void {
  if (pid) extraPids.add(pid);
}

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Output so far (stdout and stderr), for error messages. */
  output(): string;
  /** Resolves with the first stdout line matching `pattern`, rejects if the child exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

export function startChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!proc.pid) throw new Error(`cannot start ${cmd}`);
  children.add(proc);
  let out = '';
  // BENCH_CHILD_LOG=FILE keeps every child's output (e.g. with BENCH_NODE_FLAGS=--trace-gc).
  const logFile = process.env.BENCH_CHILD_LOG;
  const append = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    pid: proc.pid,
    output: () => out,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${cmd}: no ${pattern} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(out);
          if (match) finish(undefined, match);
        };
        const onExit = () => finish(new Error(`${cmd} exited (${proc.exitCode ?? proc.signalCode}):\n${out}`));
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          proc.stdout?.off('data', check);
          proc.off('exit', onExit);
          if (error) reject(error);
          else resolve(match as RegExpMatchArray);
        }
        proc.stdout?.on('data', check);
        proc.once('exit', onExit);
        check();
      }),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      children.delete(proc);
    },
  };
}

/** Peak resident set size (VmHWM) of a live process, in MiB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

/** Polls `url` until it answers 200. */
export async function waitHttp(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`exited before ready:\n${child.output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${url} not ready within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU time (user + system) a live process has used so far, in ms (/proc/PID/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

// USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK); /proc reports in these ticks.
const CLOCK_TICKS_PER_S = 100;
