/**
 * The one duration grammar, for settings and for the policy: a whole number followed by one
 * unit, nothing else. Strict on purpose: "1.5h", "1h30m", "05m", " 5m" and "10" are refused
 * rather than guessed at. Each use says which units it allows and its minimum.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

const ALL_UNITS: readonly DurationUnit[] = ['ms', 's', 'm', 'h', 'd'];
const EXAMPLE: Record<DurationUnit, string> = { ms: '500ms', s: '90s', m: '10m', h: '1h', d: '180d' };
const DURATION = /^(0|[1-9][0-9]{0,8})(ms|s|m|h|d)$/;

export interface DurationOptions {
  /** Units allowed (default: all of ms, s, m, h, d). */
  units?: readonly DurationUnit[];
  /** The shortest duration allowed, in ms (default 1: zero is refused). */
  minMs?: number;
}

/** Milliseconds; throws an Error whose message quotes the text and says what a duration looks like. */
export function parseDuration(text: unknown, options: DurationOptions = {}): number {
  const units = options.units ?? ALL_UNITS;
  const match = typeof text === 'string' ? DURATION.exec(text) : null;
  const unit = match?.[2] as DurationUnit | undefined;
  if (!match || unit === undefined || !units.includes(unit)) {
    throw new Error(`invalid duration ${quote(text)}: expected a whole number followed by ${listUnits(units)} (e.g. ${units.map((u) => EXAMPLE[u]).join(', ')})`);
  }
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration ${quote(text)}: too large`);
  const minMs = options.minMs ?? 1;
  if (ms < minMs) throw new Error(`invalid duration ${quote(text)}: must be at least ${formatDuration(minMs)}`);
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

function listUnits(units: readonly DurationUnit[]): string {
  return units.length === 1 ? (units[0] as string) : `${units.slice(0, -1).join(', ')} or ${units.at(-1) as string}`;
}

function quote(text: unknown): string {
  return JSON.stringify(String(text).slice(0, 40));
}
