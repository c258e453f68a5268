/** The printed table and profile summary. */
import type { ProfileAnalysis } from './profile.js';

export interface ScenarioResult {
  scenario: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  redis_ops_per_token: number | null;
  rss_mb: number;
  floor_rps?: number;
  ratio?: number | null;
  detail: Record<string, unknown>;
  failures: Array<{ run: string; bad: number; total: number; sample: string | undefined }>;
}

const pad = (value: unknown, width: number) => String(value ?? '-').padStart(width);

export function printTable(rows: ScenarioResult[], meta: { seconds: number; rate: number; connections: number; profiling: boolean }): void {
  const out: string[] = [];
  out.push('');
  out.push(`agent-sts bench: ${meta.seconds}s per run; rps saturated (${meta.connections} connections); p50/p99 open loop at ${meta.rate} req/s${meta.profiling ? '; PROFILING (slower)' : ''}`);
  out.push(`${'scenario'.padEnd(20)}${pad('rps', 8)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('redis/tok', 11)}${pad('rss MB', 8)}${pad('failed', 8)}${pad('vs floor', 10)}`);
  for (const r of rows) {
    const failed = r.failures.reduce((n, f) => n + f.bad, 0);
    out.push(`${r.scenario.padEnd(20)}${pad(r.rps, 8)}${pad(r.p50_ms, 9)}${pad(r.p99_ms, 9)}${pad(r.redis_ops_per_token, 11)}${pad(r.rss_mb, 8)}${pad(failed, 8)}${pad(r.ratio !== undefined && r.ratio !== null ? `${Math.round(r.ratio * 100)}%` : '', 10)}`);
  }
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
}

export function printProfile(label: string, analysis: ProfileAnalysis): void {
  const out = [`CPU profile of the broker (${label}), ${analysis.total_ms} ms busy; top self time:`];
  for (const f of analysis.functions) out.push(`  ${pad(f.percent.toFixed(1), 5)}%  ${f.name}  ${f.where}`);
  out.push('  by area:');
  for (const a of analysis.areas) out.push(`  ${pad(a.percent.toFixed(1), 5)}%  ${a.name}`);
  out.push('  charged to the nearest broker frame on the stack (self time of everything it calls):');
  for (const c of analysis.src_callers) out.push(`  ${pad(c.percent.toFixed(1), 5)}%  ${c.name}  ${c.where}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
