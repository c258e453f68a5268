import { createHash } from 'node:crypto';

/** One shadow record per (issuer, subject); hashed so unbounded identities never become keys. */
export function shadowKey(issuer: string, subject: string): string {
  return createHash('sha256').update(issuer).update('\0').update(subject).digest('hex');
}

export const MAX_SHADOWS = 1000;
export const MAX_AUDIT = 10_000;
export const MAX_AUDIT_READ = 1000;
