/**
 * The broker's own view of a run, read from its Prometheus endpoint before and after: the
 * server-side latency of issued tokens (sts_token_request_duration_seconds, from fastify's
 * onResponse) and the event-loop lag. Comparing it with the client-side latency tells queueing
 * in front of the event loop apart from time spent handling a request.
 */
export interface HistogramSnapshot {
  buckets: Array<{ le: number; count: number }>;
  count: number;
}

export interface ServerView {
  issued_p50_ms: number | null;
  issued_p99_ms: number | null;
  eventloop_lag_p99_ms: number | null;
  gc_seconds: number | null;
}

export async function scrape(metricsUrl: string): Promise<string> {
  const res = await fetch(metricsUrl);
  return res.text();
}

export function issuedHistogram(text: string, grant: string): HistogramSnapshot {
  const buckets: Array<{ le: number; count: number }> = [];
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.includes(`grant="${grant}"`) || !line.includes('result="issued"')) continue;
    const bucket = /^sts_token_request_duration_seconds_bucket\{.*le="([^"]+)".*\} (\d+)/.exec(line);
    if (bucket) buckets.push({ le: bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), count: Number(bucket[2]) });
    const total = /^sts_token_request_duration_seconds_count\{.*\} (\d+)/.exec(line);
    if (total) count = Number(total[1]);
  }
  return { buckets, count };
}

function gauge(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

function gcSeconds(text: string): number {
  let sum = 0;
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)) sum += Number(match[1]);
  return sum;
}

/** Upper bound of the bucket holding the p-th percentile of the requests between two snapshots. */
function quantileMs(before: HistogramSnapshot, after: HistogramSnapshot, p: number): number | null {
  const total = after.count - before.count;
  if (total <= 0) return null;
  const target = Math.ceil((p / 100) * total);
  for (const bucket of after.buckets) {
    const prior = before.buckets.find((b) => b.le === bucket.le)?.count ?? 0;
    if (bucket.count - prior >= target) return bucket.le === Infinity ? null : bucket.le * 1000;
  }
  return null;
}

/**
 * prom-client samples the loop with a 10 ms timer (eventLoopMonitoringPrecision) and its lag
 * gauges record the whole interval: an idle loop reads 10.1 ms. Only the excess is lag.
 */
const LAG_SAMPLING_S = 0.01;

export function serverView(beforeText: string, afterText: string, grant: string): ServerView {
  const before = issuedHistogram(beforeText, grant);
  const after = issuedHistogram(afterText, grant);
  const lag = gauge(afterText, 'nodejs_eventloop_lag_p99_seconds');
  return {
    issued_p50_ms: quantileMs(before, after, 50),
    issued_p99_ms: quantileMs(before, after, 99),
    eventloop_lag_p99_ms: lag === null ? null : Math.round(Math.max(0, lag - LAG_SAMPLING_S) * 100_000) / 100,
    gc_seconds: Math.round((gcSeconds(afterText) - gcSeconds(beforeText)) * 1000) / 1000,
  };
}
