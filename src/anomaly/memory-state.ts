/** AnomalyState for a single broker instance: plain maps, bounded by agents and TTLs. */
import type { AnomalyKind } from '../policy/types.js';
import {
  BASELINE_HOURS, DETECTION_CAP, HOUR_MS, HOUR_TTL_MS, NOVELTY_DIMENSIONS, SEEN_CAP, SEEN_TTL_MS, hourIndex, seenValue,
  type AnomalyState, type IssuedSnapshot, type NoveltyDimension,
} from './state.js';

interface AgentRecord {
  hours: Map<number, { count: number; expiresAtMs: number }>;
  /** The last hour whose volume detection was reported. */
  volumeHour: number | null;
  /** Null until the first issued token (detections alone do not start the learning period). */
  firstSeenMs: number | null;
  seenExpiresAtMs: number;
  seen: Map<NoveltyDimension, Set<string>>;
  detections: Map<AnomalyKind, number[]>;
}

export function createMemoryAnomalyState(options: { maxAgents?: number } = {}): AnomalyState {
  const maxAgents = options.maxAgents ?? 10_000;
  const agents = new Map<string, AgentRecord>();

  function recordFor(agentId: string, atMs: number): AgentRecord {
    let record = agents.get(agentId);
    if (record !== undefined && record.seenExpiresAtMs <= atMs) {
      agents.delete(agentId);
      record = undefined;
    }
    if (record === undefined) {
      if (agents.size >= maxAgents) agents.delete(agents.keys().next().value as string);
      record = { hours: new Map(), volumeHour: null, firstSeenMs: null, seenExpiresAtMs: 0, seen: new Map(), detections: new Map() };
    } else {
      agents.delete(agentId); // re-insert: Map order is then least recently used first
    }
    agents.set(agentId, record);
    return record;
  }

  return {
    async recordIssued(agentId, atMs, values, count = 1): Promise<IssuedSnapshot> {
      const record = recordFor(agentId, atMs);
      const firstEver = record.firstSeenMs === null;
      const firstSeenMs = record.firstSeenMs ?? atMs;
      record.firstSeenMs = firstSeenMs;
      record.seenExpiresAtMs = atMs + SEEN_TTL_MS;
      const hour = hourIndex(atMs);
      for (const [h, entry] of record.hours) if (entry.expiresAtMs <= atMs) record.hours.delete(h);
      const current = (record.hours.get(hour)?.count ?? 0) + count;
      record.hours.set(hour, { count: current, expiresAtMs: atMs + HOUR_TTL_MS });
      const previousHours = Array.from({ length: BASELINE_HOURS }, (_, i) => record.hours.get(hour - 1 - i)?.count ?? 0);
      const novel: NoveltyDimension[] = [];
      for (const dimension of NOVELTY_DIMENSIONS) {
        const raw = values[dimension];
        if (raw === undefined) continue;
        const value = seenValue(raw);
        let set = record.seen.get(dimension);
        if (set === undefined) record.seen.set(dimension, (set = new Set()));
        if (set.has(value) || set.size >= SEEN_CAP) continue;
        set.add(value);
        novel.push(dimension);
      }
      return { currentHour: current, added: count, previousHours, firstSeenMs, firstEver, novel };
    },

    async claimVolumeHour(agentId, atMs) {
      const record = recordFor(agentId, atMs);
      const hour = hourIndex(atMs);
      if (record.volumeHour !== null && record.volumeHour >= hour) return false;
      record.volumeHour = hour;
      record.seenExpiresAtMs = Math.max(record.seenExpiresAtMs, atMs + HOUR_MS); // kept for the hour at least
      return true;
    },

    async recordDetection(agentId, kind, atMs, withinMs) {
      const record = recordFor(agentId, atMs);
      record.seenExpiresAtMs = Math.max(record.seenExpiresAtMs, atMs + withinMs);
      const kept = (record.detections.get(kind) ?? []).filter((t) => t > atMs - withinMs);
      kept.push(atMs);
      record.detections.set(kind, kept.slice(-DETECTION_CAP));
      return kept.filter((t) => t > atMs - withinMs && t <= atMs).length;
    },

    async clearDetections(agentId, kind) {
      agents.get(agentId)?.detections.delete(kind);
    },
  };
}
