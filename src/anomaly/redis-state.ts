/** AnomalyState in Redis: every broker instance counts into the same keys. */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RECORD_DETECTION, RECORD_ISSUED, scriptRunner } from './redis-scripts.js';
import {
  BASELINE_HOURS, DETECTION_CAP, HOUR_TTL_MS, NOVELTY_DIMENSIONS, SEEN_CAP, SEEN_TTL_MS, hourIndex, seenValue,
  type AnomalyState, type NoveltyDimension,
} from './state.js';

interface RedisAnomalyStateOptions {
  /** Default `sts:anomaly:`. */
  prefix?: string;
}

export function createRedisAnomalyState(client: Redis | Cluster, options: RedisAnomalyStateOptions = {}): AnomalyState {
  const prefix = options.prefix ?? 'sts:anomaly:';
  const recordIssued = scriptRunner(client, RECORD_ISSUED);
  const recordDetection = scriptRunner(client, RECORD_DETECTION);
  // The hash tag keeps one agent's keys in one Cluster slot (multi-key Lua).
  const key = (agentId: string, rest: string) => `${prefix}{${agentId}}:${rest}`;

  return {
    async recordIssued(agentId, atMs, values, count = 1) {
      const hour = hourIndex(atMs);
      const keys = [key(agentId, `h:${hour}`)];
      for (let i = 1; i <= BASELINE_HOURS; i++) keys.push(key(agentId, `h:${hour - i}`));
      keys.push(key(agentId, 'first'));
      const dimensions: NoveltyDimension[] = [];
      const args: Array<string | number> = [atMs, HOUR_TTL_MS, SEEN_TTL_MS, SEEN_CAP, count];
      for (const dimension of NOVELTY_DIMENSIONS) {
        const value = values[dimension];
        if (value === undefined) continue;
        dimensions.push(dimension);
        keys.push(key(agentId, `seen:${dimension}`));
        args.push(seenValue(value));
      }
      const [current, previous, first, firstEver, novel] = (await recordIssued(keys, args)) as
        [number, Array<string | null>, string, number, number[]];
      return {
        currentHour: Number(current),
        added: count,
        previousHours: previous.map((v) => (v === null ? 0 : Number(v))),
        firstSeenMs: Number(first),
        firstEver: Number(firstEver) === 1,
        novel: novel.map((i) => dimensions[Number(i) - 1] as NoveltyDimension),
      };
    },

    async claimVolumeHour(agentId, atMs) {
      const claimed = await client.set(key(agentId, `vol:${hourIndex(atMs)}`), '1', 'PX', HOUR_TTL_MS, 'NX');
      return claimed === 'OK';
    },

    async recordDetection(agentId, kind, atMs, withinMs) {
      const count = await recordDetection([key(agentId, `det:${kind}`)], [atMs, withinMs, `${atMs}:${randomUUID()}`, DETECTION_CAP]);
      return Number(count);
    },
    async clearDetections(agentId, kind) {
      await client.del(key(agentId, `det:${kind}`));
    },
  };
}
