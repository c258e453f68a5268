/**
 * Anomaly detection as an outcome observer. observe() only filters and enqueues (it never
 * blocks or throws into a token request); the work runs in the background against the shared
 * AnomalyState, then each detection is audited, counted, alerted and, where the tier says so,
 * answered by suspending the agent exactly as an operator would.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Alerter } from '../alerts/index.js';
import type { Clock } from '../clock.js';
import type { AuditTrail, ExchangeOutcome, OutcomeObserver, PolicyHolder } from '../context.js';
import type { Metrics } from '../metrics/index.js';
import type { AnomalyAction, CompiledPolicy } from '../policy/types.js';
import { ControlNotDurableError } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { SecurityEvents } from '../ssf/index.js';
import { createWriteBehind } from '../write-behind.js';
import {
  DEFAULT_DETECTION_SETTINGS, detectDenial, detectNovelty, detectVolume, noveltyValues,
  type Detection, type DetectionSettings,
} from './detections.js';
import { createLanes } from './lanes.js';
import { decideAction, resolveRule } from './rules.js';
import { hourIndex, type AnomalyState } from './state.js';

export const SUSPENDED_BY = 'anomaly-detector';

interface AnomalyDetectorOptions {
  state: AnomalyState;
  store: Pick<Store, 'suspendAgent' | 'getAgentControl'>;
  audit: Pick<AuditTrail, 'tryRecord'>;
  metrics: Pick<Metrics, 'anomaly' | 'anomalyDropped'>;
  policy: PolicyHolder;
  clock: Clock;
  alerts: Pick<Alerter, 'send'>;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** Where the automatic suspension is told to the Shared Signals receivers. */
  securityEvents?: SecurityEvents;
  settings?: Partial<DetectionSettings & { maxQueue: number; concurrency: number; batchMs: number }>;
}

export interface AnomalyDetector extends OutcomeObserver {
  /** Resolves when every outcome observed so far has been processed (tests, shutdown). */
  flush(): Promise<void>;
}

const DENIALS_OF_INTEREST = new Set(['scope', 'audience', 'intent', 'rate_limited', 'attestation_invalid']);

/**
 * Issued tokens wait at most this long to be counted together with identical ones. Volume is
 * judged per hour and novelty on first use, so a quarter second changes no detection, and
 * a busy agent costs one Redis script per quarter second instead of one per few tokens.
 */
const ISSUED_BATCH_MS = 250;
/**
 * Distinct (agent, hour, values) groups held at once; one more sends them all on. Well under
 * a lane's capacity, so a release never overflows the lanes by itself.
 */
const MAX_ISSUED_GROUPS = 1_000;

/**
 * attestation_failure names an agent from unverified claims, so anyone who knows an agent's
 * iss/sub can raise it at will. Every one is audited and counted, but webhook alerts for one
 * agent are sent for the 1st, 2nd, 4th, 8th... within this window, so a flood of forgeries
 * cannot fill the delivery queues and push out real alerts.
 */
const UNVERIFIED_ALERT_WINDOW_MS = 10 * 60_000;
const MAX_THROTTLED_AGENTS = 10_000;

/** Work for a lane: a denial, or a group of issued tokens that used the same values. */
type Job = { outcome: ExchangeOutcome; count: number };

/**
 * Issued tokens of one agent that used the same intent, audience, issuer and subject within
 * one hour are the same observation for every detector but the count, so they are counted
 * in one state call. Denials are not grouped: each may be the Nth that suspends.
 */
function groupKey(outcome: ExchangeOutcome): string {
  const values = noveltyValues(outcome);
  return [outcome.agentId, hourIndex(outcome.atMs), values.intent, values.audience, values.issuer, values.subject].join('\u0000');
}

export function createAnomalyDetector(options: AnomalyDetectorOptions): AnomalyDetector {
  const { state, store, audit, metrics, policy, clock, alerts, logger } = options;
  const settings: DetectionSettings = { ...DEFAULT_DETECTION_SETTINGS, ...options.settings };
  const warnedTiers = new Set<string>();
  const unverified = new Map<string, { sinceMs: number; count: number }>();
  const lanes = createLanes<Job>(options.settings?.concurrency ?? 4, options.settings?.maxQueue ?? 10_000, examine);
  // Held groups are handed to the lanes (in the order they started) when released.
  const issuedGroups = createWriteBehind<ExchangeOutcome, Job>({
    intervalMs: options.settings?.batchMs ?? ISSUED_BATCH_MS,
    maxKeys: MAX_ISSUED_GROUPS,
    start: (outcome) => ({ outcome, count: 1 }),
    merge: (job, outcome) => {
      job.count++;
      // The latest use stands for the group: detections are dated when they became true.
      if (outcome.atMs > job.outcome.atMs) job.outcome = outcome;
    },
    write: async (_key, job) => enqueue(job),
  });

  function enqueue(job: Job): void {
    if (!lanes.push(job.outcome.agentId ?? job.outcome.claimedAgentId ?? '', job)) metrics.anomalyDropped(job.count);
  }

  async function examine(job: Job): Promise<void> {
    try {
      const compiled = policy.current();
      for (const detection of await detect(job, compiled)) await respond(detection, job.outcome.atMs, compiled);
    } catch (error) {
      logger.error({ err: error }, 'anomaly detection failed for one outcome');
    }
  }

  async function detect({ outcome, count }: Job, compiled: CompiledPolicy): Promise<Detection[]> {
    if (outcome.result === 'denied') {
      const found = detectDenial(outcome, compiled);
      return found === null ? [] : [found];
    }
    const agentId = outcome.agentId;
    if (agentId === undefined || !compiled.agentsById.has(agentId)) return [];
    const values = noveltyValues(outcome);
    const snapshot = await state.recordIssued(agentId, outcome.atMs, values, count);
    let volume = detectVolume(agentId, snapshot, settings);
    if (volume !== null && !(await state.claimVolumeHour(agentId, outcome.atMs))) volume = null;
    return [volume, detectNovelty(agentId, outcome.atMs, snapshot, values, settings)]
      .filter((d): d is Detection => d !== null);
  }

  async function respond(detection: Detection, atMs: number, compiled: CompiledPolicy): Promise<void> {
    const { agentId, kind, detail } = detection;
    const tierName = compiled.agentsById.get(agentId)?.tier;
    const tier = tierName === undefined ? undefined : compiled.policy.tiers[tierName];
    const { rule, downgraded } = resolveRule(tier, kind);
    if (downgraded && tierName !== undefined && !warnedTiers.has(tierName)) {
      warnedTiers.add(tierName);
      logger.warn({ tier: tierName, kind }, 'anomaly rule asks to suspend on attestation failures, which name an unverified agent: alerting only');
    }
    let action: AnomalyAction = 'alert';
    if (rule.action === 'suspend') {
      const count = await state.recordDetection(agentId, kind, atMs, rule.withinMs);
      if (decideAction(rule, count) === 'suspend') {
        const outcome = await suspend(agentId, `${kind}: ${detail}`);
        if (outcome === 'suspended') action = 'suspend';
        // The detections behind a suspension are spent: once an operator resumes the agent it
        // takes `after` new ones to suspend it again, not the next single mistake. A failed
        // suspension keeps them, so the next detection tries again.
        if (outcome !== 'failed') {
          await state.clearDetections(agentId, kind).catch((error: unknown) => logger.warn({ err: error, agent: agentId }, 'could not clear spent anomaly detections'));
        }
      }
    }
    audit.tryRecord('anomaly_detected', { agent: agentId, kind, action, detail, tier: tierName });
    metrics.anomaly(kind, action);
    const seen = kind === 'attestation_failure' ? countUnverified(agentId, atMs) : 1;
    if ((seen & (seen - 1)) !== 0) return; // not a power of two: already alerted in this window
    const alertDetail = seen > 1 ? `${detail} (${seen} within ${UNVERIFIED_ALERT_WINDOW_MS / 60_000}m)` : detail;
    alerts.send({ type: 'anomaly', agent: agentId, kind, action, detail: alertDetail, at: new Date(atMs).toISOString(), id: randomUUID() });
  }

  /** How many attestation failures this agent has had in the current window, this one included. */
  function countUnverified(agentId: string, atMs: number): number {
    let entry = unverified.get(agentId);
    if (!entry || atMs - entry.sinceMs >= UNVERIFIED_ALERT_WINDOW_MS) {
      if (unverified.size >= MAX_THROTTLED_AGENTS) unverified.delete(unverified.keys().next().value as string);
      entry = { sinceMs: atMs, count: 0 };
      unverified.set(agentId, entry);
    }
    return ++entry.count;
  }

  /** Suspends unless already suspended (an operator's reason is kept). */
  async function suspend(agentId: string, reason: string): Promise<'suspended' | 'already_suspended' | 'failed'> {
    try {
      const control = await store.getAgentControl(agentId);
      if (control.suspended !== null) return 'already_suspended';
      const atMs = clock();
      // Not kept (the state file cannot be written; the keeper logs it and retries): the
      // suspension is in force all the same, so it is told and audited, with `kept: false`,
      // rather than counted as failed and never audited (the next try finds it suspended).
      const kept = await store.suspendAgent(agentId, { atMs, by: SUSPENDED_BY, reason }).then(() => true, (error: unknown) => {
        if (error instanceof ControlNotDurableError) return false;
        throw error;
      });
      options.securityEvents?.emit({ kind: 'agent_suspended', agentId, atMs, initiator: 'policy' });
      audit.tryRecord('agent_suspended', { agent: agentId, by: SUSPENDED_BY, reason, atMs, ...(kept ? {} : { kept: false }) });
      return 'suspended';
    } catch (error) {
      logger.error({ err: error, agent: agentId }, 'anomaly detector could not suspend the agent');
      return 'failed';
    }
  }


  return {
    observe(outcome) {
      if (outcome.result === 'denied' && !DENIALS_OF_INTEREST.has(outcome.reason ?? '')) return;
      if (outcome.result === 'issued') {
        if (outcome.agentId !== undefined) void issuedGroups.add(groupKey(outcome), outcome);
        return;
      }
      enqueue({ outcome, count: 1 });
    },
    flush: async () => {
      await issuedGroups.flush();
      await lanes.drain();
    },
  };
}
