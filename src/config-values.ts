/** Parsers for setting values that are more than one word. */
import { parseDuration } from './duration.js';

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
  return { max: Number(count), windowMs: parseDuration(window, { minMs: 100 }) };
}

/** `true`/`1` or `false`/`0`. */
export function parseBool(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`expected true or false, got ${value}`);
}
