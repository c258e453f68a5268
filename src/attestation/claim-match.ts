/**
 * Bound claims of an attestation entry match exactly, by these rules:
 * - the path is walked with RFC 6901 semantics over own properties only (never the
 *   prototype); an array is entered only with a canonical decimal index ("/groups/0");
 * - the value found must have the same JSON type as the bound value and be `===` equal:
 *   no case folding, no trimming (a trailing NUL differs), no number/string coercion;
 * - an array claim never matches a scalar, even if it contains it (no "contains" rule:
 *   bind an element by index instead).
 */
import type { ClaimBinding } from '../policy/types.js';

const INDEX = /^(0|[1-9][0-9]*)$/;

export function resolvePath(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const token of path) {
    if (Array.isArray(current)) {
      if (!INDEX.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

export function matchesBinding(payload: Record<string, unknown>, binding: ClaimBinding): boolean {
  const found = resolvePath(payload, binding.path);
  return typeof found === typeof binding.value && found === binding.value;
}

export function matchesBindings(payload: Record<string, unknown>, bindings: readonly ClaimBinding[]): boolean {
  return bindings.every((binding) => matchesBinding(payload, binding));
}
