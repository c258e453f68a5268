import { randomUUID } from 'node:crypto';
import { mintAccessToken, type AccessTokenClaims, type Signer } from '../../../src/signing/index.js';

export const ISSUER = 'https://sts.example.test';

/** A token as minting would make it. */
export function mintTestToken(signer: Signer, nowMs: number, ttlSeconds = 5, overrides: Partial<{ issuer: string }> = {}): {
  token: string; claims: AccessTokenClaims;
} {
  return mintAccessToken({
    issuer: overrides.issuer ?? ISSUER,
    agentId: 'ticket-summarizer',
    audience: 'https://tickets.example.internal',
    scopes: ['tickets:read'],
    intent: 'summarize-tickets',
    tier: 'read-only',
    owner: 'team-support',
    jti: randomUUID(),
    issuedAtMs: nowMs,
    ttlSeconds,
  }, signer);
}

/** Collects log records so tests can check that no key material was ever logged. */
export function captureLogger(): { lines: string[]; logger: { info: Log; warn: Log; error: Log } } {
  const lines: string[] = [];
  const log: Log = (obj, msg) => { lines.push(JSON.stringify({ ...obj, msg })); };
  return { lines, logger: { info: log, warn: log, error: log } };
}
type Log = (obj: Record<string, unknown>, msg: string) => void;
