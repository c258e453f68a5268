/**
 * The detectors, pure: an outcome (and for issued tokens the shared counts) in, detections out.
 * Only verified identities feed them, except attestation_failure, whose agent is the
 * UNVERIFIED claimedAgentId and which therefore may only alert (see rules.ts).
 */
import type { ExchangeOutcome } from '../context.js';
import type { AnomalyKind, CompiledPolicy } from '../policy/types.js';
import type { IssuedSnapshot, NoveltyDimension } from './state.js';

export interface Detection {
  agentId: string;
  kind: AnomalyKind;
  /** Human-readable, from the policy's names and verified values only; never token material. */
  detail: string;
}

export interface DetectionSettings {
  /** Volume: anomalous when the hour's count exceeds this multiple of the baseline median. */
  volumeFactor: number;
  /** Volume: and reaches at least this many tokens in the hour (a quiet agent's first burst is not noise). */
  volumeFloor: number;
  /** Novelty: values used during an agent's first period are learned silently. */
  noveltyLearningMs: number;
}

export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  volumeFactor: 5,
  volumeFloor: 20,
  noveltyLearningMs: 24 * 3_600_000,
};

const OUT_OF_SCOPE_REASONS = new Set(['scope', 'audience', 'intent']);

/** Detections from a denial: out_of_scope, volume (rate limit hit), attestation_failure. */
export function detectDenial(outcome: ExchangeOutcome, compiled: CompiledPolicy): Detection | null {
  if (outcome.result !== 'denied') return null;
  const verified = outcome.agentId !== undefined && compiled.agentsById.has(outcome.agentId) ? outcome.agentId : undefined;
  if (verified !== undefined && outcome.reason !== undefined && OUT_OF_SCOPE_REASONS.has(outcome.reason)) {
    const asked = outcome.reason === 'intent' ? outcome.intent : outcome.reason === 'audience' ? outcome.audience : undefined;
    const known = asked !== undefined && isPolicyName(outcome.reason, asked, compiled) ? ` '${asked}'` : '';
    return { agentId: verified, kind: 'out_of_scope', detail: `request denied for ${outcome.reason}${known}` };
  }
  if (verified !== undefined && outcome.reason === 'rate_limited') {
    return { agentId: verified, kind: 'volume', detail: 'tier rate limit reached' };
  }
  if (outcome.reason === 'attestation_invalid' && verified === undefined && outcome.claimedAgentId !== undefined
    && compiled.agentsById.has(outcome.claimedAgentId)) {
    return { agentId: outcome.claimedAgentId, kind: 'attestation_failure', detail: 'invalid attestation presented in this agent\'s name (unverified claim)' };
  }
  return null;
}

/** Requested names are echoed in a detail only when the policy knows them (no request input). */
function isPolicyName(reason: string, name: string, compiled: CompiledPolicy): boolean {
  if (reason === 'intent') return compiled.policy.agents.some((a) => a.intents.some((i) => i.name === name));
  return compiled.policy.agents.some((a) => a.intents.some((i) => i.audience === name));
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The smallest hourly count that is anomalous: over factor x median, and at least the floor. */
export function volumeThreshold(previousHours: readonly number[], settings: DetectionSettings): number {
  return Math.max(settings.volumeFloor, Math.floor(settings.volumeFactor * median(previousHours)) + 1);
}

/**
 * Fires once per hour: for the one (atomic) increment that takes the count from below the
 * threshold to it or past it. The baseline hours do not change during the hour, so every
 * instance agrees on the threshold and exactly one of them sees the crossing.
 */
export function detectVolume(agentId: string, snapshot: IssuedSnapshot, settings: DetectionSettings): Detection | null {
  const threshold = volumeThreshold(snapshot.previousHours, settings);
  const before = snapshot.currentHour - snapshot.added;
  if (!(before < threshold && snapshot.currentHour >= threshold)) return null;
  return {
    agentId,
    kind: 'volume',
    detail: `${snapshot.currentHour} tokens this hour; baseline median ${median(snapshot.previousHours)}/h over ${snapshot.previousHours.length}h`,
  };
}

/** One detection for every first use in an issued token, after the agent's learning period. */
export function detectNovelty(
  agentId: string,
  atMs: number,
  snapshot: IssuedSnapshot,
  values: Partial<Record<NoveltyDimension, string>>,
  settings: DetectionSettings,
): Detection | null {
  if (snapshot.novel.length === 0 || snapshot.firstEver) return null;
  if (atMs - snapshot.firstSeenMs < settings.noveltyLearningMs) return null;
  const parts = snapshot.novel.map((d) => `${d} '${values[d] ?? ''}'`);
  return { agentId, kind: 'novelty', detail: `first use of ${parts.join(', ')}` };
}

/** What an issued outcome contributes to the "seen before" sets. */
export function noveltyValues(outcome: ExchangeOutcome): Partial<Record<NoveltyDimension, string>> {
  const values: Partial<Record<NoveltyDimension, string>> = {};
  if (outcome.intent !== undefined) values.intent = outcome.intent;
  if (outcome.audience !== undefined) values.audience = outcome.audience;
  if (outcome.issuer !== undefined) values.issuer = outcome.issuer;
  // A subject is only meaningful under its issuer.
  if (outcome.subject !== undefined) values.subject = `${outcome.issuer ?? ''} ${outcome.subject}`;
  return values;
}
