/** Trusted attestation issuers and operator sign-on issuers. */
import { isAbsolute, resolve } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { loadJwksFile } from './keys.js';
import { isRecord } from './problems.js';
import type { RawIssuer, RawOperatorIssuer, RawUserIssuer } from './schema.js';
import { validators } from './shape.js';
import type { OperatorIssuer, TrustedIssuer, UserIssuer } from './types.js';
import { duplicates, readDuration, wellFormed, type ValidateContext } from './validate-common.js';

/** RFC 8725 §3.1: an explicit allow-list of asymmetric algorithms; never `none`, never HMAC. */
export const ALLOWED_ALGORITHMS = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
]);
const DEFAULT_MAX_AGE_MS = 3_600_000;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

type CommonRaw = Pick<RawIssuer, 'issuer' | 'jwks_uri' | 'jwks_file' | 'audience' | 'algorithms'>;
interface CommonOut { jwksUri?: string; jwksFile?: string; jwks?: JSONWebKeySet; algorithms: string[] }

/** Checks shared by both kinds of issuer; returns null when any of them failed. */
function readCommon(ctx: ValidateContext, path: string, raw: CommonRaw): CommonOut | null {
  const before = ctx.problems.items.length;
  if (/\s/.test(raw.issuer)) ctx.problems.error(`${path}.issuer`, 'must not contain spaces');
  if (ctx.options.stsIssuer !== undefined && raw.issuer === ctx.options.stsIssuer) {
    ctx.problems.error(`${path}.issuer`, "is this broker's own issuer: its tokens must never be accepted as attestations");
  }
  if (raw.algorithms.length === 0) ctx.problems.error(`${path}.algorithms`, 'must list at least one algorithm');
  raw.algorithms.forEach((alg, i) => {
    if (ALLOWED_ALGORITHMS.has(alg)) return;
    const why = alg.toLowerCase() === 'none' || /^HS/i.test(alg)
      ? `${JSON.stringify(alg)} is never allowed (RFC 8725 §3.1: no "none", no HMAC with public keys)`
      : `${JSON.stringify(alg)} is not supported`;
    ctx.problems.error(`${path}.algorithms[${i}]`, `${why}; use one of ${[...ALLOWED_ALGORITHMS].join(', ')}`);
  });
  const out: CommonOut = { algorithms: [...new Set(raw.algorithms)] };
  if ((raw.jwks_uri === undefined) === (raw.jwks_file === undefined)) {
    ctx.problems.error(path, 'needs exactly one of jwks_uri and jwks_file');
  } else if (raw.jwks_uri !== undefined) {
    const problem = checkJwksUri(raw.jwks_uri);
    if (problem !== null) ctx.problems.error(`${path}.jwks_uri`, problem);
    out.jwksUri = raw.jwks_uri;
  } else if (raw.jwks_file !== undefined) {
    out.jwksFile = isAbsolute(raw.jwks_file) ? raw.jwks_file : resolve(ctx.options.baseDir, raw.jwks_file);
    const { jwks, errors } = loadJwksFile(out.jwksFile, ctx.readFile);
    for (const message of errors) ctx.problems.error(`${path}.jwks_file`, message);
    if (jwks !== null) out.jwks = jwks;
  }
  return ctx.problems.items.slice(before).some((p) => p.severity === 'error') ? null : out;
}

/** https only; plain http only to a loopback host (development). */
function checkJwksUri(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return 'must be an https URL (plain http is allowed only for localhost)';
}

/**
 * The bearer token file for a jwks_uri: only with a jwks_uri (the token goes to that URL and
 * nowhere else). Unreadable here is a warning, not an error: a policy is checked in CI, away
 * from the pod where the file is mounted. Null when invalid; undefined when not set.
 */
function readJwksTokenFile(ctx: ValidateContext, path: string, raw: Pick<RawIssuer, 'jwks_uri' | 'jwks_token_file'>): string | undefined | null {
  if (raw.jwks_token_file === undefined) return undefined;
  if (raw.jwks_uri === undefined) {
    ctx.problems.error(`${path}.jwks_token_file`, 'needs a jwks_uri: the token is sent only when fetching it');
    return null;
  }
  const file = isAbsolute(raw.jwks_token_file) ? raw.jwks_token_file : resolve(ctx.options.baseDir, raw.jwks_token_file);
  try {
    ctx.readFile(file);
  } catch (error) {
    ctx.problems.warning(`${path}.jwks_token_file`, `cannot be read here (${(error as NodeJS.ErrnoException).code ?? 'error'}): fetching jwks_uri will fail until it can`);
  }
  return file;
}

export function readIssuers(ctx: ValidateContext, raw: unknown): { issuers: TrustedIssuer[]; declared: Set<string> } {
  const entries = wellFormed<RawIssuer>(raw, validators.issuer);
  const dup = duplicates(entries.map((e) => e.item.issuer));
  const issuers: TrustedIssuer[] = [];
  const reported = new Set<string>();
  for (const { item } of entries) {
    const path = `issuers[${item.issuer}]`;
    if (dup.has(item.issuer) && !reported.has(item.issuer)) {
      reported.add(item.issuer);
      ctx.problems.error(`${path}.issuer`, 'duplicate issuer');
    }
    const common = readCommon(ctx, path, item);
    const maxAgeMs = item.max_age === undefined ? DEFAULT_MAX_AGE_MS : readDuration(ctx, `${path}.max_age`, item.max_age);
    const tokenFile = readJwksTokenFile(ctx, path, item);
    if (common === null || maxAgeMs === null || tokenFile === null) continue;
    issuers.push({
      issuer: item.issuer, ...common, ...(tokenFile ? { jwksTokenFile: tokenFile } : {}), audience: item.audience, maxAgeMs,
      singleUse: item.single_use ?? false, exclusiveAudience: item.exclusive_audience ?? false,
    });
  }
  // Declared = named anywhere in the list, so a malformed entry is not also reported as undeclared.
  return { issuers, declared: declaredIssuerNames(raw) };
}

/** Every issuer a list names, well-formed entry or not. */
export function declaredIssuerNames(list: unknown): Set<string> {
  const names = new Set<string>();
  if (Array.isArray(list)) for (const item of list) if (isRecord(item) && typeof item.issuer === 'string') names.add(item.issuer);
  return names;
}

/**
 * Operator sign-on must not share an issuer with the tokens agents hand over. A person's token
 * (user_issuers) is given to an agent as a delegation subject_token, and an attestation token
 * is held by a workload: if its issuer also signed operators in, the agent holding it could
 * replay it unchanged as an admin credential. Distinct audiences do not separate them: both
 * checks accept an `aud` that contains theirs (OpenID Connect Core §3.1.3.7 item 3), so one
 * token naming both audiences would pass both.
 */
function checkSeparateFromAgentTokens(ctx: ValidateContext, path: string, issuer: string, others: AgentTokenIssuers): void {
  if (others.user.has(issuer)) {
    ctx.problems.error(`${path}.issuer`, "is also a people's identity provider (user_issuers): a person's token handed to an agent for delegation must never pass as an operator's sign-on; use a separate issuer (tenant or authorization server) for operators");
  }
  if (others.attestation.has(issuer)) {
    ctx.problems.error(`${path}.issuer`, "is also an attestation issuer (issuers): an agent's attestation must never pass as an operator's sign-on");
  }
}

/** The issuers whose tokens agents hold: attestation issuers and people's identity providers. */
export interface AgentTokenIssuers {
  attestation: ReadonlySet<string>;
  user: ReadonlySet<string>;
}

export function readOperatorIssuers(ctx: ValidateContext, raw: unknown, agentTokenIssuers: AgentTokenIssuers): OperatorIssuer[] {
  const entries = wellFormed<RawOperatorIssuer>(raw, validators.operatorIssuer);
  const dup = duplicates(entries.map((e) => e.item.issuer));
  const out: OperatorIssuer[] = [];
  const reported = new Set<string>();
  for (const { item } of entries) {
    const path = `operator_issuers[${item.issuer}]`;
    if (dup.has(item.issuer) && !reported.has(item.issuer)) {
      reported.add(item.issuer);
      ctx.problems.error(`${path}.issuer`, 'duplicate operator issuer');
    }
    if (Object.keys(item.roles).length === 0) ctx.problems.error(`${path}.roles`, 'must map at least one claim value to a role');
    checkSeparateFromAgentTokens(ctx, path, item.issuer, agentTokenIssuers);
    const common = readCommon(ctx, path, item);
    if (common === null) continue;
    const roles = Object.assign(Object.create(null) as Record<string, OperatorIssuer['roles'][string]>, item.roles);
    out.push({ issuer: item.issuer, ...common, audience: item.audience, roleClaim: item.role_claim, roles });
  }
  return out;
}

/**
 * Identity providers of people. The same key rules as attestation issuers (public keys only,
 * bound to their issuer, no key taken from a token's header); an issuer may not be both: a
 * person's token must never pass for an agent's attestation, nor the reverse.
 */
export function readUserIssuers(ctx: ValidateContext, raw: unknown, attestationIssuers: ReadonlySet<string>): UserIssuer[] {
  const entries = wellFormed<RawUserIssuer>(raw, validators.userIssuer);
  const dup = duplicates(entries.map((e) => e.item.issuer));
  const out: UserIssuer[] = [];
  const reported = new Set<string>();
  for (const { item } of entries) {
    const path = `user_issuers[${item.issuer}]`;
    if (dup.has(item.issuer) && !reported.has(item.issuer)) {
      reported.add(item.issuer);
      ctx.problems.error(`${path}.issuer`, 'duplicate user issuer');
    }
    if (attestationIssuers.has(item.issuer)) {
      ctx.problems.error(`${path}.issuer`, 'is also an attestation issuer (issuers): a person\'s token must never pass for an agent\'s attestation');
    }
    const common = readCommon(ctx, path, item);
    const maxAgeMs = item.max_age === undefined ? undefined : readDuration(ctx, `${path}.max_age`, item.max_age);
    if (common === null || maxAgeMs === null) continue;
    out.push({
      issuer: item.issuer, ...common, audience: item.audience, scopeClaim: item.scope_claim ?? 'either',
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    });
  }
  return out;
}
