/**
 * The shared picture anomaly detection works from, behind a small interface with a memory
 * implementation (one instance) and a Redis one (all instances see the same counts). Both pass
 * one contract suite (test/anomaly/state-contract.ts). Everything is bounded: counts expire,
 * "seen before" sets are capped, detection windows are trimmed.
 */
import { createHash } from 'node:crypto';
import type { AnomalyKind } from '../policy/types.js';

export type NoveltyDimension = 'intent' | 'audience' | 'issuer' | 'subject';
export const NOVELTY_DIMENSIONS: readonly NoveltyDimension[] = ['intent', 'audience', 'issuer', 'subject'];

export const HOUR_MS = 3_600_000;
/** Hours of baseline behind the current one. */
export const BASELINE_HOURS = 24;
/** Hourly counters outlive the baseline they belong to by an hour, then vanish. */
export const HOUR_TTL_MS = (BASELINE_HOURS + 2) * HOUR_MS;
/** "Seen before" sets and the first-seen instant are forgotten after this long idle. */
export const SEEN_TTL_MS = 30 * 86_400_000;
/** Values per agent and dimension; past it new values are neither recorded nor reported. */
export const SEEN_CAP = 1000;
/** Detections kept per agent and kind inside a window. */
export const DETECTION_CAP = 1000;

export interface IssuedSnapshot {
  /** Tokens issued to the agent in the hour holding `atMs`, the ones just counted included. */
  currentHour: number;
  /** How many tokens this call counted (a batch of identical uses counts several at once). */
  added: number;
  /** The BASELINE_HOURS hours before it, most recent first (0 where none). */
  previousHours: number[];
  /** When the agent was first observed (ms). */
  firstSeenMs: number;
  /** True when this call was the agent's first observation. */
  firstEver: boolean;
  /** Dimensions whose value this agent had never used (now recorded). */
  novel: NoveltyDimension[];
}

export interface AnomalyState {
  /**
   * Count `count` issued tokens (default 1) that used the same values, all in the hour
   * holding `atMs`, and record those values, in one step.
   */
  recordIssued(agentId: string, atMs: number, values: Partial<Record<NoveltyDimension, string>>, count?: number): Promise<IssuedSnapshot>;
  /** Record one detection; returns how many the agent has of this kind within `withinMs` up to `atMs`. */
  recordDetection(agentId: string, kind: AnomalyKind, atMs: number, withinMs: number): Promise<number>;
  /** Forget the agent's detections of this kind: the ones that led to a suspension are spent. */
  clearDetections(agentId: string, kind: AnomalyKind): Promise<void>;
  /**
   * True for the first caller only, per agent and hour holding `atMs`: the volume detection
   * is reported once an hour even if late counts for the previous hour move its threshold.
   */
  claimVolumeHour(agentId: string, atMs: number): Promise<boolean>;
}

export function hourIndex(atMs: number): number {
  return Math.floor(atMs / HOUR_MS);
}

/** Values are verified names from attestations and the policy; long ones are stored hashed. */
export function seenValue(value: string): string {
  return value.length <= 200 ? value : `sha256:${createHash('sha256').update(value).digest('hex')}`;
}
