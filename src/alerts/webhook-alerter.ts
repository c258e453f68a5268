/**
 * Delivers anomaly alerts to webhooks: a JSON POST signed with X-STS-Signature, retried with
 * exponential backoff and jitter on network errors, timeouts, 5xx and 429. Each URL has its own
 * bounded queue and worker, so a dead receiver delays only itself; a full queue drops the alert
 * (counted) rather than grow or block a token request.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AlertDeliveryResult } from '../metrics/index.js';
import { backoffDelay, isRetriableStatus } from './backoff.js';
import { SIGNATURE_HEADER, signBody } from './sign.js';
import type { Alerter } from './types.js';

interface WebhookAlerterOptions {
  urls: string[];
  secret: string;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  fetch?: typeof fetch;
  /** Pending alerts per URL (default 1000). */
  maxQueue?: number;
  /** Attempts per delivery including the first (default 5); first retry after ~baseDelayMs (default 500). */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs?: number };
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** How long close() waits for queued deliveries (default 5 s). */
  drainMs?: number;
  random?: () => number;
  onResult?: (result: AlertDeliveryResult) => void;
}

interface Lane {
  url: string;
  /** Origin only: webhook URLs often carry a secret in their path (never logged). */
  label: string;
  queue: string[];
  running: Promise<void> | null;
}

export function createWebhookAlerter(options: WebhookAlerterOptions): Alerter {
  const doFetch = options.fetch ?? fetch;
  const maxQueue = options.maxQueue ?? 1000;
  const { attempts, baseDelayMs, maxDelayMs = 30_000 } = options.retry ?? { attempts: 5, baseDelayMs: 500 };
  const timeoutMs = options.timeoutMs ?? 5000;
  const drainMs = options.drainMs ?? 5000;
  const random = options.random ?? Math.random;
  const report = options.onResult ?? (() => {});
  const closing = new AbortController();
  let closed = false;
  const lanes: Lane[] = options.urls.map((url) => ({ url, label: new URL(url).origin, queue: [], running: null }));

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    closing.signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      closing.signal.removeEventListener('abort', done);
      resolve();
    }
  });

  /** One attempt: 'ok', 'retry' or 'fail' (a refusal that another try will not change). */
  async function attempt(lane: Lane, body: string): Promise<'ok' | 'retry' | 'fail'> {
    try {
      const response = await doFetch(lane.url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, options.secret) },
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
      });
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return 'ok';
      options.logger.warn({ webhook: lane.label, status: response.status }, 'alert webhook refused a delivery');
      return isRetriableStatus(response.status) ? 'retry' : 'fail';
    } catch (error) {
      options.logger.warn({ webhook: lane.label, err: (error as Error).name }, 'alert webhook unreachable');
      return 'retry';
    }
  }

  async function deliver(lane: Lane, body: string): Promise<void> {
    for (let n = 1; n <= attempts && !closing.signal.aborted; n++) {
      const result = await attempt(lane, body);
      if (result === 'ok') return report('delivered');
      if (result === 'fail') break;
      if (n < attempts) await sleep(backoffDelay(n, baseDelayMs, maxDelayMs, random));
    }
    options.logger.error({ webhook: lane.label }, 'alert delivery failed; giving up');
    report('failed');
  }

  function run(lane: Lane): Promise<void> {
    lane.running ??= (async () => {
      for (let body = lane.queue.shift(); body !== undefined; body = lane.queue.shift()) {
        await deliver(lane, body);
      }
      lane.running = null;
    })();
    return lane.running;
  }

  const flush = async () => {
    while (lanes.some((l) => l.running !== null)) await Promise.all(lanes.map((l) => l.running));
  };

  return {
    send(alert) {
      if (closed) return report('dropped');
      const body = JSON.stringify(alert);
      for (const lane of lanes) {
        if (lane.queue.length >= maxQueue) {
          options.logger.warn({ webhook: lane.label }, 'alert queue full; alert dropped');
          report('dropped');
          continue;
        }
        lane.queue.push(body);
        void run(lane);
      }
    },
    flush,
    async close() {
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, drainMs); });
      await Promise.race([flush(), deadline]);
      clearTimeout(timer);
      for (const lane of lanes) {
        for (let i = 0; i < lane.queue.length; i++) report('dropped');
        lane.queue.length = 0;
      }
      closing.abort();
      await flush();
    },
  };
}
