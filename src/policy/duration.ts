/**
 * Policy durations: a whole number greater than zero followed by one unit (s, m, h, d).
 * Strict on purpose: "1.5h", "1h30m", "0s" and "10" are refused rather than guessed at.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^([1-9][0-9]{0,8})([smhd])$/;

export function parseDuration(text: string): number {
  const match = typeof text === 'string' ? DURATION.exec(text) : null;
  if (match === null) {
    throw new Error(
      `invalid duration ${JSON.stringify(String(text).slice(0, 40))}: expected a whole number > 0 followed by s, m, h or d (e.g. 90s, 10m, 1h, 180d)`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as Unit];
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration ${JSON.stringify(text)}: too large`);
  return ms;
}

/** The largest unit that divides `ms` exactly ("10m", "180d"); falls back to milliseconds. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms <= 0) return `${ms}ms`;
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
