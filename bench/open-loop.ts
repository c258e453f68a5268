/**
 * Open-loop load: requests are scheduled at a fixed rate whatever the server does, and each
 * latency is measured from its *scheduled* send time, so a stall shows up as latency
 * instead of silently lowering the offered load (autocannon's overallRate is still closed
 * loop per connection and suffers from that coordinated omission).
 */
import { Agent, request } from 'node:http';
import { FORM_HEADERS } from './requests.js';

export interface OpenLoopResult {
  offered_rps: number;
  /** Successful responses per second, from the first scheduled send to the last response. */
  achieved_rps: number;
  sent: number;
  ok: number;
  failed: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  sampleError?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function openLoop(host: string, port: number, bodies: string[], rate: number, seconds: number, maxSockets = 128): Promise<OpenLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const total = Math.floor(rate * seconds);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let errors = 0;
  let sampleError: string | undefined;
  let sent = 0;
  let done = 0;
  let lastResponse = 0;
  const start = performance.now() + 20;
  const intervalMs = 1000 / rate;

  const fire = (i: number) => {
    const scheduled = start + i * intervalMs;
    const body = bodies[i % bodies.length] as string;
    const req = request({ agent, host, port, method: 'POST', path: '/oauth/token', headers: { ...FORM_HEADERS, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => res.statusCode !== 200 && chunks.push(c));
      res.on('end', () => {
        lastResponse = performance.now();
        latencies.push(lastResponse - scheduled);
        if (res.statusCode === 200) ok++;
        else {
          failed++;
          sampleError ??= `${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`;
        }
        done++;
      });
    });
    req.on('error', (error) => {
      errors++;
      done++;
      sampleError ??= `error ${error.message}`;
    });
    req.end(body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 20);
  });
  const sendEnd = performance.now();
  const deadline = sendEnd + 15_000;
  while (done < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  agent.destroy();
  const elapsedS = (Math.max(sendEnd, lastResponse) - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    offered_rps: rate,
    achieved_rps: Math.round(ok / Math.max(elapsedS, 1e-3)),
    sent, ok, failed, errors: errors + (sent - done),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.length ? (latencies[latencies.length - 1] as number) : NaN,
    ...(sampleError ? { sampleError } : {}),
  };
}
