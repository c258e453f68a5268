import type { JsonWebKey } from 'node:crypto';
import { isSigningAlg, keyFitsAlg } from './algorithms.js';
import { jwkThumbprint } from '../jws/index.js';
import type { CompromisedKey, KeyStatus, RingKey, RingState } from './ring-state.js';

/** The ring as JSON (private keys included: encrypt before it leaves the process). */
export function serializeRing(state: RingState): string {
  return JSON.stringify({ format: 1, ...state });
}

class RingFormatError extends Error {
  constructor(detail: string) {
    super(`the key ring in the store is malformed: ${detail}`);
    this.name = 'RingFormatError';
  }
}

const STATUSES: readonly KeyStatus[] = ['next', 'current', 'retired'];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isTimeOrNull = (v: unknown): v is number | null => v === null || isTime(v);

/**
 * Parse and check a decrypted ring. It was authenticated by AES-GCM, so this guards against
 * our own bugs and format drift rather than attackers, and never echoes key material.
 */
export function parseRing(json: string): RingState {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new RingFormatError('not JSON');
  }
  if (!isRecord(data) || data.format !== 1) throw new RingFormatError('unknown format');
  const { generation, rotations, keys, compromised } = data;
  if (!isTime(generation) || !isTime(rotations)) throw new RingFormatError('bad counters');
  if (!Array.isArray(keys) || !Array.isArray(compromised)) throw new RingFormatError('bad lists');
  const ring: RingState = { generation, rotations, keys: keys.map(parseKey), compromised: compromised.map(parseCompromised) };
  const kids = new Set(ring.keys.map((k) => k.kid));
  if (kids.size !== ring.keys.length) throw new RingFormatError('duplicate kid');
  for (const status of ['current', 'next'] as const) {
    if (ring.keys.filter((k) => k.status === status).length > 1) throw new RingFormatError(`several ${status} keys`);
  }
  return ring;
}

function parseKey(value: unknown, index: number): RingKey {
  if (!isRecord(value)) throw new RingFormatError(`key ${index} is not an object`);
  const { kid, alg, status, publishedAtMs, activatedAtMs, retiredAtMs, privateJwk } = value;
  if (typeof kid !== 'string' || !isSigningAlg(alg) || !STATUSES.includes(status as KeyStatus)) {
    throw new RingFormatError(`key ${index} has a bad kid, alg or status`);
  }
  if (!isTime(publishedAtMs) || !isTimeOrNull(activatedAtMs) || !isTimeOrNull(retiredAtMs)) {
    throw new RingFormatError(`key ${index} has bad times`);
  }
  if (!isRecord(privateJwk) || typeof privateJwk.d !== 'string' || !keyFitsAlg(privateJwk as JsonWebKey, alg)) {
    throw new RingFormatError(`key ${index} has a bad private key for ${alg}`);
  }
  if (jwkThumbprint(privateJwk as JsonWebKey) !== kid) throw new RingFormatError(`key ${index}: kid is not its thumbprint`);
  return { kid, alg, status: status as KeyStatus, publishedAtMs, activatedAtMs, retiredAtMs, privateJwk: privateJwk as JsonWebKey };
}

function parseCompromised(value: unknown, index: number): CompromisedKey {
  if (!isRecord(value) || typeof value.kid !== 'string' || !isTime(value.compromisedAtMs) || !isTime(value.untilMs)) {
    throw new RingFormatError(`compromised entry ${index} is malformed`);
  }
  return { kid: value.kid, compromisedAtMs: value.compromisedAtMs, untilMs: value.untilMs };
}
