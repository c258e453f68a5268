/**
 * Attestations the platform issues: a token file (a Kubernetes projected service-account token,
 * a SPIFFE JWT-SVID written by an agent) or a function the caller supplies (a CI OIDC token
 * fetched from the runner). They travel as RFC 8693 subject tokens.
 */
import { readFile, stat } from 'node:fs/promises';
import { TokenClientError } from './errors.js';
import type { AttestationContext, AttestationSource } from './types.js';

/** The broker refuses larger tokens unread; so does the client. */
export const MAX_ATTESTATION_BYTES = 16 * 1024;

/**
 * The file is read again whenever it changes. Kubelet and SPIFFE helpers replace it atomically
 * (a new inode behind a symlink), so its identity, size and times say when; `stat` follows the
 * symlink. Reading only on change keeps a token request from touching the disk twice.
 */
export function fileAttestation(path: string): AttestationSource {
  let cached: { identity: string; token: string } | undefined;
  return {
    presentAs: 'subject_token',
    async read() {
      try {
        const info = await stat(path);
        if (info.size > MAX_ATTESTATION_BYTES) throw new Error(`larger than ${MAX_ATTESTATION_BYTES} bytes`);
        const identity = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
        if (cached?.identity === identity) return cached.token;
        const token = checkedToken(await readFile(path, 'utf8'));
        cached = { identity, token };
        return token;
      } catch (error) {
        throw new TokenClientError('attestation_unavailable', `cannot use the attestation file ${path}: ${reasonOf(error)}`, { cause: error });
      }
    },
  };
}

/** Called for every token request; return a fresh token when the platform's are single-use. */
export function functionAttestation(get: (context: AttestationContext) => string | Promise<string>): AttestationSource {
  return {
    presentAs: 'subject_token',
    async read(context) {
      try {
        return checkedToken(await get(context));
      } catch (error) {
        throw new TokenClientError('attestation_unavailable', `the attestation function failed: ${reasonOf(error)}`, { cause: error });
      }
    },
  };
}

function checkedToken(raw: unknown): string {
  if (typeof raw !== 'string') throw new Error('not a string');
  const token = raw.trim();
  if (token.length === 0) throw new Error('empty');
  if (Buffer.byteLength(token) > MAX_ATTESTATION_BYTES) throw new Error(`larger than ${MAX_ATTESTATION_BYTES} bytes`);
  return token;
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'unknown error';
}
