/**
 * Audit records must never carry token, assertion or key material. Callers pass only ids
 * (`jti`, key ids, hashes); the secret field names (src/secret-fields.ts) are the second line
 * of defence for a field added by mistake. They are redacted in every record, at every depth,
 * case-insensitively, before the record is written to the trail and before the copy sent to
 * the store.
 */
import { REDACTED, SECRET_FIELDS } from '../secret-fields.js';

const SECRET = new Set<string>(SECRET_FIELDS.map((f) => f.toLowerCase()));
const MAX_DEPTH = 8;

/** A copy of `value` with every secret-named field replaced; deep, bounded. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET.has(k.toLowerCase()) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
