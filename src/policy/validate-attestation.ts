/** An agent's attestation entries: a trusted issuer's subject (+ claims), or the agent's own public keys. */
import { isAbsolute, resolve } from 'node:path';
import { parseClaimBindings } from './claims.js';
import { parseIsoDate } from './iso-date.js';
import { checkPublicJwks, loadJwksFile } from './keys.js';
import type { RawAttestation } from './schema.js';
import type { AttestationEntry } from './types.js';
import type { ValidateContext } from './validate-common.js';

export function readAttestation(
  ctx: ValidateContext,
  path: string,
  raw: RawAttestation,
  declaredIssuers: ReadonlySet<string>,
): AttestationEntry | null {
  const before = ctx.problems.items.length;
  const failed = () => ctx.problems.items.slice(before).some((p) => p.severity === 'error');

  if (raw.keys !== undefined) {
    if (raw.issuer !== undefined || raw.subject !== undefined || raw.claims !== undefined) {
      ctx.problems.error(path, 'an entry is either issuer + subject (+ claims) or keys, not both');
    }
    const { jwks_file: jwksFile, keys } = raw.keys;
    const rotated = readRotatedAt(ctx, `${path}.keys.rotated_at`, raw.keys.rotated_at);
    if ((jwksFile === undefined) === (keys === undefined)) {
      ctx.problems.error(`${path}.keys`, 'needs exactly one of jwks_file and keys');
      return null;
    }
    if (jwksFile !== undefined) {
      const file = isAbsolute(jwksFile) ? jwksFile : resolve(ctx.options.baseDir, jwksFile);
      const loaded = loadJwksFile(file, ctx.readFile);
      for (const message of loaded.errors) ctx.problems.error(`${path}.keys.jwks_file`, message);
      return loaded.jwks === null || failed() ? null : { kind: 'keys', jwks: loaded.jwks, jwksFile: file, ...rotated };
    }
    const checked = checkPublicJwks({ keys });
    for (const message of checked.errors) ctx.problems.error(`${path}.keys`, message);
    return checked.jwks === null || failed() ? null : { kind: 'keys', jwks: checked.jwks, ...rotated };
  }

  if (raw.issuer === undefined) ctx.problems.error(`${path}.issuer`, 'is required (or give keys)');
  if (raw.subject === undefined) ctx.problems.error(`${path}.subject`, 'is required with issuer');
  if (raw.issuer !== undefined && !declaredIssuers.has(raw.issuer)) {
    ctx.problems.error(`${path}.issuer`, `${JSON.stringify(raw.issuer)} is not declared in issuers`);
  }
  const { bindings, errors } = parseClaimBindings(raw.claims ?? {});
  for (const { key, message } of errors) ctx.problems.error(`${path}.claims[${key}]`, message);
  if (raw.issuer === undefined || raw.subject === undefined || failed()) return null;
  return { kind: 'issuer', issuer: raw.issuer, subject: raw.subject, claims: bindings };
}

/** The declared rotation date of an agent's own keys: a real date, not in the future. */
function readRotatedAt(ctx: ValidateContext, path: string, text: string | undefined): { rotatedAt?: string; rotatedAtMs?: number } {
  if (text === undefined) return {};
  const ms = parseIsoDate(text);
  if (ms === null) ctx.problems.error(path, 'must be an ISO 8601 date such as 2026-10-01');
  else if (ms > ctx.options.nowMs) ctx.problems.error(path, 'is in the future');
  return ms === null ? {} : { rotatedAt: text, rotatedAtMs: ms };
}
