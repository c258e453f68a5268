/**
 * Console sessions without server-side storage, so any broker instance behind a load
 * balancer serves any request: the session is a cookie sealed with AES-256-GCM (RFC 5116)
 * under a key derived (HKDF, RFC 5869) from a secret every instance shares (the key
 * encryption key with Redis; a random one for a single embedded-store instance). The
 * cookie cannot be read or forged without the secret; it expires (idle and absolute), and a
 * sign-out revokes its id in the store for every instance.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Role } from '../policy/index.js';
import type { SignInProof } from './sign-in-proof.js';

export interface ConsoleOperator {
  id: string;
  role: Role;
  method: 'key' | 'oidc';
  issuer?: string;
  email?: string;
}

export interface Session {
  /** 2: with `proof`. A session sealed before it carries nothing to re-check, so it is refused. */
  v: 2;
  /** Random id: what a sign-out revokes. */
  sid: string;
  /** Who signed in; `role` is what the last request derived from `proof`, shown on the pages. */
  operator: ConsoleOperator;
  proof: SignInProof;
  /**
   * The store's epoch at sign-in. Sign-outs live in the store: one that lost its data (a new
   * epoch) lost them too, so a session from another epoch is refused (fail closed).
   */
  epochMs: number;
  /** Issued, last seen and absolute expiry (ms). */
  iat: number;
  seen: number;
  exp: number;
  /** The anti-CSRF token every state-changing form carries. */
  csrf: string;
}

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 8 * 3_600_000;
const MAX_COOKIE_BYTES = 4096;
const VERSION = 'v1';

export interface SessionSealer {
  seal(session: Session): string;
  /** The session, or null when the cookie is absent, forged, garbled or expired. */
  open(cookie: string | undefined, nowMs: number): Session | null;
}

export function sessionKey(secret: Buffer | undefined): Buffer {
  const ikm = secret ?? randomBytes(32);
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from('agent-sts'), Buffer.from('console session cookie v1'), 32));
}

export function createSessionSealer(key: Buffer, cookieName: string): SessionSealer {
  // The cookie's name is authenticated too: a value cannot be moved to another cookie.
  const aad = Buffer.from(`${VERSION}:${cookieName}`);
  return {
    seal(session) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(cookie, nowMs) {
      if (!cookie || cookie.length > MAX_COOKIE_BYTES || !cookie.startsWith(`${VERSION}.`)) return null;
      const raw = Buffer.from(cookie.slice(VERSION.length + 1), 'base64url');
      if (raw.length < 12 + 16 + 2) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(aad);
        decipher.setAuthTag(raw.subarray(raw.length - 16));
        const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
        const session = JSON.parse(text) as Session;
        if (session.v !== 2 || nowMs >= session.exp || nowMs - session.seen >= SESSION_IDLE_MS) return null;
        return session;
      } catch {
        return null; // forged, garbled or sealed under another key
      }
    },
  };
}

/** What a new session is issued for: who, what they proved and the store epoch it belongs to. */
export type SessionGrant = Pick<Session, 'operator' | 'proof' | 'epochMs'>;

export function newSession(grant: SessionGrant, nowMs: number, notAfterMs?: number): Session {
  const exp = Math.min(nowMs + SESSION_MAX_MS, notAfterMs ?? Number.POSITIVE_INFINITY);
  return { v: 2, sid: randomBytes(16).toString('base64url'), ...grant, iat: nowMs, seen: nowMs, exp, csrf: randomBytes(24).toString('base64url') };
}
