/** Operators with static bearer keys, stored only as the key's SHA-256: a leaked policy file grants no access. */
import type { RawOperator } from './schema.js';
import { validators } from './shape.js';
import type { Operator } from './types.js';
import { duplicates, wellFormed, type ValidateContext } from './validate-common.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function readOperators(ctx: ValidateContext, raw: unknown): Operator[] {
  const entries = wellFormed<RawOperator>(raw, validators.operator);
  const dupIds = duplicates(entries.map((e) => e.item.id));
  const dupKeys = duplicates(entries.map((e) => e.item.key_sha256));
  const reported = new Set<string>();
  const operators: Operator[] = [];
  for (const { item } of entries) {
    const path = `operators[${item.id}]`;
    let ok = true;
    if (dupIds.has(item.id) && !reported.has(item.id)) {
      reported.add(item.id);
      ctx.problems.error(`${path}.id`, 'duplicate operator id');
      ok = false;
    }
    if (!SHA256_HEX.test(item.key_sha256)) {
      ctx.problems.error(`${path}.key_sha256`, 'must be 64 lower-case hex digits (the SHA-256 of the bearer key, never the key itself)');
      ok = false;
    } else if (dupKeys.has(item.key_sha256)) {
      ctx.problems.error(`${path}.key_sha256`, 'is shared with another operator: each operator needs their own key');
      ok = false;
    }
    if (ok) operators.push({ id: item.id, role: item.role, keySha256: item.key_sha256 });
  }
  return operators;
}
