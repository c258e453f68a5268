/**
 * Static operator keys: the policy holds only the SHA-256 of each key. The presented key is
 * hashed and compared with EVERY operator's hash in constant time, without an early exit,
 * so the timing tells nothing about which operator (or how many) almost matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Operator } from '../policy/types.js';

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function matchStaticKey(presented: string, operators: readonly Operator[]): Operator | null {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: Operator | null = null;
  for (const operator of operators) {
    // A malformed hash (impossible after validation) compares against zeros, still in constant time.
    const expected = HEX_SHA256.test(operator.keySha256) ? Buffer.from(operator.keySha256, 'hex') : Buffer.alloc(32);
    const equal = timingSafeEqual(digest, expected);
    if (equal && found === null) found = operator;
  }
  return found;
}
