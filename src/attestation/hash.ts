import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256: the only form in which a token or jti is logged or stored. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
