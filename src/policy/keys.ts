/**
 * Key material in the policy: it may hold public keys only. A private or symmetric key
 * in a file kept in git is a leaked key, so finding one is an error, not a warning.
 */
import { createPublicKey } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { isRecord } from './problems.js';

/** RFC 7518 §6.2.2, §6.3.2 (private EC/RSA members) and §6.4.1 (`k`, a symmetric key). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const;
const PUBLIC_KTY = new Set(['EC', 'RSA', 'OKP']);
const MAX_KEYS = 50;
const MAX_DEPTH = 64;

type Segments = Array<string | number>;

/** Calls `report` for every JWK with a private member and every PEM private key string. */
export function scanForPrivateKeys(root: unknown, report: (segments: Segments, what: string) => void): void {
  const walk = (node: unknown, segments: Segments, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof node === 'string') {
      if (/PRIVATE KEY/.test(node)) report(segments, 'contains a PEM private key: only public keys belong in the policy');
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...segments, i], depth + 1));
      return;
    }
    if (!isRecord(node)) return;
    if (typeof node.kty === 'string') {
      const found = PRIVATE_JWK_MEMBERS.filter((m) => m in node);
      if (found.length > 0) {
        report(segments, `is a private or symmetric key (has ${found.join(', ')}): only public keys belong in the policy`);
      }
    }
    for (const [key, value] of Object.entries(node)) walk(value, [...segments, key], depth + 1);
  };
  walk(root, [], 0);
}

/** Checks that `value` is a JWKS of importable public keys; returns the problems found. */
export function checkPublicJwks(value: unknown): { jwks: JSONWebKeySet | null; errors: string[] } {
  if (!isRecord(value) || !Array.isArray(value.keys)) {
    return { jwks: null, errors: ['must be a JWKS: an object with a "keys" list'] };
  }
  const errors: string[] = [];
  if (value.keys.length === 0) errors.push('has no keys');
  if (value.keys.length > MAX_KEYS) errors.push(`has more than ${MAX_KEYS} keys`);
  value.keys.slice(0, MAX_KEYS).forEach((key: unknown, i: number) => {
    const problem = checkPublicJwk(key);
    if (problem !== null) errors.push(`keys[${i}] ${problem}`);
  });
  return errors.length > 0 ? { jwks: null, errors } : { jwks: { keys: value.keys as JWK[] }, errors };
}

function checkPublicJwk(key: unknown): string | null {
  if (!isRecord(key) || typeof key.kty !== 'string') return 'must be a JWK with a "kty"';
  if (PRIVATE_JWK_MEMBERS.some((m) => m in key)) return 'is a private or symmetric key: only public keys are allowed';
  if (!PUBLIC_KTY.has(key.kty)) return `has kty ${JSON.stringify(key.kty)}: only EC, RSA and OKP public keys are allowed`;
  try {
    createPublicKey({ key: key as JsonWebKeyInput['key'], format: 'jwk' });
  } catch {
    return 'is not a valid public key';
  }
  return null;
}

type JsonWebKeyInput = Extract<Parameters<typeof createPublicKey>[0], { format: 'jwk' }>;

/** Reads and checks a JWKS file (already bounded in size by `readFile`). */
export function loadJwksFile(
  path: string,
  readFile: (p: string) => string,
): { jwks: JSONWebKeySet | null; errors: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message;
    return { jwks: null, errors: [`cannot read ${path}: ${why}`] };
  }
  const errors: string[] = [];
  scanForPrivateKeys(parsed, (segments, what) => errors.push(`${path} ${segments.join('.') || '(root)'} ${what}`));
  if (errors.length > 0) return { jwks: null, errors };
  return checkPublicJwks(parsed);
}
