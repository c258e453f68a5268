/** Helpers shared by the validate-*.ts passes. */
import type { ValidateFunction } from 'ajv';
import { parseDuration, type DurationOptions } from '../duration.js';
import type { ProblemList } from './problems.js';

export interface ValidateOptions {
  /** Folder that relative `jwks_file` paths are resolved against. */
  baseDir: string;
  nowMs: number;
  /** The STS's own issuer: trusting it as an attestation issuer would accept its own tokens. */
  stsIssuer?: string;
  /**
   * For a broker others can reach (an https or non-loopback issuer, or NODE_ENV=production):
   * the sample's development credentials are then errors, not warnings.
   */
  production?: boolean;
  /** Reads a jwks file (bounded in size); defaults to a bounded synchronous read. */
  readFile?: (path: string) => string;
}

export interface ValidateContext {
  problems: ProblemList;
  options: ValidateOptions;
  readFile: (path: string) => string;
}

/** Tokens hard-capped at this lifetime whatever the policy says. */
export const MAX_TOKEN_TTL_MS = 3_600_000;

/** Ids of agents, intents and tiers appear in tokens, logs and metric labels: keep them plain. */
export const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const PLAIN_ID_HINT = 'must start with a letter or digit and use only letters, digits, ".", "_" and "-" (at most 128)';

/**
 * A copy of `value` without unknown keys when it otherwise has the right shape, else null.
 * Shape errors themselves are reported once, by checkShape.
 */
export function wellFormedOne<T>(value: unknown, validator: ValidateFunction): T | null {
  const copy: unknown = structuredClone(value);
  return validator(copy) ? (copy as T) : null;
}

/** The well-formed elements of `list` (see wellFormedOne). */
export function wellFormed<T>(list: unknown, validator: ValidateFunction): Array<{ item: T; index: number }> {
  if (!Array.isArray(list)) return [];
  const out: Array<{ item: T; index: number }> = [];
  list.forEach((value: unknown, index) => {
    const item = wellFormedOne<T>(value, validator);
    if (item !== null) out.push({ item, index });
  });
  return out;
}

/** Values seen more than once. */
export function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const value of values) (seen.has(value) ? dup : seen).add(value);
  return dup;
}

/** Policy durations are whole seconds or more: s, m, h or d (lifetimes, review periods, rate windows). */
export const POLICY_DURATIONS: DurationOptions = { units: ['s', 'm', 'h', 'd'], minMs: 1_000 };

/** Parses a duration field, reporting a problem (and returning null) when it is invalid. */
export function readDuration(ctx: ValidateContext, path: string, text: string): number | null {
  try {
    return parseDuration(text, POLICY_DURATIONS);
  } catch (error) {
    ctx.problems.error(path, (error as Error).message);
    return null;
  }
}

/** A lifetime over the hard cap is allowed but will be capped: say so. */
export function warnIfOverCap(ctx: ValidateContext, path: string, ms: number | null): void {
  if (ms !== null && ms > MAX_TOKEN_TTL_MS) {
    ctx.problems.warning(path, 'is over 1h: tokens never live longer than 1h, so it will be capped');
  }
}
