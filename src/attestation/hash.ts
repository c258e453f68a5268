import { hash } from 'node:crypto';

/**
 * Lower-case hex SHA-256: the only form in which a token or jti is logged or stored.
 * node:crypto's one-shot `hash` costs about half of a createHash object for a token.
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}
