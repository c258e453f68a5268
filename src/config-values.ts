/** Parsers for setting values shared by the config and the CLI. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `90s`, `10m`, `1h`, `2d`; at least `minMs`. */
export function parseDurationSetting(value: string, minMs: number): number {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`not a duration (like 90s, 10m, 24h): ${value}`);
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  if (ms < minMs) throw new Error(`must be at least ${minMs} ms, got ${value}`);
  return ms;
}

export interface Rate {
  max: number;
  windowMs: number;
}

/** `1000/10s`: at most 1000 requests per 10 seconds. */
export function parseRate(value: string): Rate {
  const [count, window] = value.split('/');
  if (!count || !window || !/^\d{1,9}$/.test(count) || Number(count) < 1) {
    throw new Error(`expected COUNT/DURATION like 1000/10s, got ${value}`);
  }
  return { max: Number(count), windowMs: parseDurationSetting(window, 100) };
}
