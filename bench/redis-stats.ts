/**
 * Redis work per token, from the server's own counters: `total_commands_processed` and
 * `INFO commandstats` (per command). On Redis 7 both count the commands a Lua script runs as
 * well as the EVALSHA itself, so this is commands executed, not round trips; the EVAL/EVALSHA
 * count and the other client commands are in the per-command breakdown. Read before and
 * after a run; the difference is divided by tokens issued. Background work of the broker
 * (key ring sync, metrics refresh) during the run is included.
 */
import { Redis } from 'ioredis';

export interface RedisSnapshot {
  total: number;
  byCommand: Map<string, number>;
}

export async function openStats(url: string): Promise<{ snapshot(): Promise<RedisSnapshot>; close(): Promise<void> }> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    snapshot: async () => {
      const stats = await client.info('stats');
      const commands = await client.info('commandstats');
      const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? NaN);
      const byCommand = new Map<string, number>();
      for (const match of commands.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) byCommand.set(match[1] as string, Number(match[2]));
      return { total, byCommand };
    },
    close: async () => {
      client.disconnect();
    },
  };
}

export interface RedisDelta {
  /** Commands executed (script-internal ones included), our own two INFO calls excluded. */
  commands: number;
  /** Per command name. */
  byCommand: Record<string, number>;
}

export function diff(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of after.byCommand) {
    const delta = calls - (before.byCommand.get(name) ?? 0) - (name === 'info' ? 2 : 0);
    if (delta > 0) byCommand[name] = delta;
  }
  return { commands: after.total - before.total - 2, byCommand };
}

export function perToken(delta: RedisDelta, tokens: number): { ops: number; byCommand: Record<string, number> } {
  const round = (n: number) => Math.round((n / Math.max(tokens, 1)) * 100) / 100;
  return {
    ops: round(delta.commands),
    byCommand: Object.fromEntries(Object.entries(delta.byCommand).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v)])),
  };
}
