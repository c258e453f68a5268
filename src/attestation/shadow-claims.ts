/**
 * The claims of a verified token that no agent claims, kept for shadow-agent discovery.
 * Only short scalars and one level of nested objects survive, and nothing named like a
 * secret: the result is stored and shown to operators.
 */
const SECRET_NAME = /token|secret|key|passw|nonce|signature|credential|assertion|cookie|session|jti/i;
const UNSAFE_NAME = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_ENTRIES = 32;
const MAX_NESTED_ENTRIES = 16;
const MAX_NAME = 64;
const MAX_STRING = 256;

function keepName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME && !UNSAFE_NAME.has(name) && !SECRET_NAME.test(name);
}

function keepScalar(value: unknown): value is string | number | boolean {
  if (typeof value === 'string') return value.length <= MAX_STRING;
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'boolean';
}

function filterLevel(source: Record<string, unknown>, limit: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [name, value] of Object.entries(source)) {
    if (count >= limit) break;
    if (!keepName(name)) continue;
    if (keepScalar(value)) {
      out[name] = value;
      count++;
    } else if (depth > 0 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const nested = filterLevel(value as Record<string, unknown>, MAX_NESTED_ENTRIES, depth - 1);
      if (Object.keys(nested).length > 0) {
        out[name] = nested;
        count++;
      }
    }
  }
  return out;
}

export function filterShadowClaims(payload: Record<string, unknown>): Record<string, unknown> {
  return filterLevel(payload, MAX_ENTRIES, 1);
}
