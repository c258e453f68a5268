/** Builds an anomaly detector wired to the real audit trail (on an in-memory sink), real metrics, a webhook receiver and a store. */
import { createAuditTrail } from '../../src/audit/index.js';
import { recordsOf } from '../helpers/audit-sink.js';
import pino from 'pino';
import { createAnomalyDetector, createMemoryAnomalyState, type AnomalyDetector, type AnomalyState } from '../../src/anomaly/index.js';
import { createWebhookAlerter, verifySignature, type Alerter, type AnomalyAlert } from '../../src/alerts/index.js';
import { manualClock } from '../../src/clock.js';
import type { CompiledPolicy } from '../../src/policy/types.js';
import type { AgentControl, Store, Suspension } from '../../src/store/types.js';
import type { Metrics } from '../../src/metrics/index.js';
import { holder, NOW_MS } from '../metrics/policy-fixture.js';
import { testMetrics } from '../metrics/helpers.js';
import { startReceiver } from '../alerts/receiver.js';

export const SECRET = 'test-webhook-secret';

/** Only what the detector uses; the lead's end-to-end test runs the real store. */
export function fakeStore(): Pick<Store, 'suspendAgent' | 'getAgentControl'> & { suspensions: Map<string, Suspension> } {
  const suspensions = new Map<string, Suspension>();
  return {
    suspensions,
    async suspendAgent(agentId, suspension) { suspensions.set(agentId, suspension); },
    async getAgentControl(agentId): Promise<AgentControl> {
      return { suspended: suspensions.get(agentId) ?? null, revokedBeforeMs: null };
    },
  };
}

export interface Harness {
  detector: AnomalyDetector;
  metrics: Metrics;
  audit: Array<{ event: string; data: Record<string, unknown> }>;
  warnings: unknown[][];
  errors: unknown[][];
  clock: ReturnType<typeof manualClock>;
  store: Pick<Store, 'suspendAgent' | 'getAgentControl'>;
  /** Processes everything observed and delivers the alerts; returns the verified webhook bodies so far. */
  settle(): Promise<AnomalyAlert[]>;
  close(): Promise<void>;
}

export async function buildHarness(policy: CompiledPolicy, options: {
  state?: AnomalyState;
  store?: Pick<Store, 'suspendAgent' | 'getAgentControl'>;
  settings?: Parameters<typeof createAnomalyDetector>[0]['settings'];
} = {}): Promise<Harness> {
  const clock = manualClock(NOW_MS);
  const metrics = testMetrics(holder(policy));
  const audit: Harness['audit'] = [];
  const warnings: unknown[][] = [];
  const errors: unknown[][] = [];
  const logger = {
    warn: (...args: unknown[]) => { warnings.push(args); },
    error: (...args: unknown[]) => { errors.push(args); },
  } as unknown as pino.Logger;
  const receiver = await startReceiver();
  const alerts: Alerter = createWebhookAlerter({ urls: [receiver.url], secret: SECRET, logger: pino({ level: 'silent' }), retry: { attempts: 2, baseDelayMs: 1 } });
  const store = options.store ?? fakeStore();
  const detector = createAnomalyDetector({
    state: options.state ?? createMemoryAnomalyState(),
    store,
    // Each record lands in `audit` as { event, data }; a test makes the sink fail by replacing audit.push.
    audit: createAuditTrail({
      destination: {
        write: (text) => {
          for (const { event, level: _level, time: _time, stream: _stream, ...data } of recordsOf(text)) audit.push({ event: event as string, data });
        },
        close: () => {},
      },
      clock,
      logger,
    }),
    metrics,
    policy: holder(policy),
    clock,
    alerts,
    logger,
    ...(options.settings !== undefined && { settings: options.settings }),
  });
  return {
    detector, metrics, audit, warnings, errors, clock, store,
    async settle() {
      await detector.flush();
      await alerts.flush();
      return receiver.deliveries.map((d) => {
        if (!verifySignature(d.body, SECRET, d.headers['x-sts-signature'] as string)) throw new Error('bad webhook signature');
        return JSON.parse(d.body.toString()) as AnomalyAlert;
      });
    },
    async close() {
      await alerts.close();
      await receiver.close();
    },
  };
}
