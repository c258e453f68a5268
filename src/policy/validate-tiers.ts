/** Owners and tiers: the things agents refer to. */
import type { RawOwner, RawTier } from './schema.js';
import { isRecord } from './problems.js';
import { isScopeToken } from './scope-glob.js';
import { validators } from './shape.js';
import type { AnomalyKind, AnomalyRule, Owner, Tier } from './types.js';
import {
  duplicates,
  PLAIN_ID,
  PLAIN_ID_HINT,
  readDuration,
  warnIfOverCap,
  wellFormed,
  wellFormedOne,
  type ValidateContext,
} from './validate-common.js';

const DEFAULT_ANOMALY_WINDOW_MS = 3_600_000;

export function readOwners(ctx: ValidateContext, raw: unknown): { owners: Owner[]; declared: Set<string> } {
  const declared = new Set<string>();
  if (Array.isArray(raw)) {
    for (const item of raw) if (isRecord(item) && typeof item.id === 'string') declared.add(item.id);
  }
  const entries = wellFormed<RawOwner>(raw, validators.owner);
  const dup = duplicates(entries.map((e) => e.item.id));
  const reported = new Set<string>();
  const owners: Owner[] = [];
  for (const { item } of entries) {
    const path = `owners[${item.id}]`;
    if (/\s/.test(item.id)) ctx.problems.error(`${path}.id`, 'must not contain spaces');
    if (dup.has(item.id) && !reported.has(item.id)) {
      reported.add(item.id);
      ctx.problems.error(`${path}.id`, 'duplicate owner id');
    }
    owners.push({ id: item.id, active: item.active ?? true, ...(item.contact !== undefined && { contact: item.contact }) });
  }
  return { owners, declared };
}

interface TiersResult {
  tiers: Record<string, Tier>;
  declared: Set<string>;
  /** Scope ceilings of tiers well-formed enough to check intents against, even if another field is bad. */
  ceilings: Map<string, string[]>;
}

export function readTiers(ctx: ValidateContext, raw: unknown): TiersResult {
  const tiers: Record<string, Tier> = {};
  const ceilings = new Map<string, string[]>();
  if (!isRecord(raw)) return { tiers, declared: new Set(), ceilings };
  const declared = new Set(Object.keys(raw));
  for (const [name, value] of Object.entries(raw)) {
    const item = wellFormedOne<RawTier>(value, validators.tier);
    if (item === null) continue;
    if (item.scopes.every(isScopeToken)) ceilings.set(name, [...item.scopes]);
    const tier = readTier(ctx, name, item);
    if (tier !== null) tiers[name] = tier;
  }
  return { tiers, declared, ceilings };
}

function readTier(ctx: ValidateContext, name: string, raw: RawTier): Tier | null {
  const path = `tiers[${name}]`;
  const before = ctx.problems.items.length;
  if (!PLAIN_ID.test(name)) ctx.problems.error(path, `tier name ${PLAIN_ID_HINT}`);
  if (raw.scopes.length === 0) ctx.problems.error(`${path}.scopes`, 'must list at least one scope glob');
  raw.scopes.forEach((glob, i) => {
    if (!isScopeToken(glob)) {
      ctx.problems.error(`${path}.scopes[${i}]`, 'is not a valid scope glob (RFC 6749 §3.3 characters, no spaces or quotes)');
    }
  });
  const maxTtlMs = readDuration(ctx, `${path}.max_ttl`, raw.max_ttl);
  warnIfOverCap(ctx, `${path}.max_ttl`, maxTtlMs);
  const reviewEveryMs = readDuration(ctx, `${path}.review_every`, raw.review_every);
  const keyMaxAgeMs = raw.key_max_age === undefined ? undefined : readDuration(ctx, `${path}.key_max_age`, raw.key_max_age);
  const perMs = raw.rate_limit === undefined ? null : readDuration(ctx, `${path}.rate_limit.per`, raw.rate_limit.per);
  const anomalies: Partial<Record<AnomalyKind, AnomalyRule>> = {};
  for (const [kind, rule] of Object.entries(raw.anomalies ?? {}) as Array<[AnomalyKind, NonNullable<RawTier['anomalies']>[AnomalyKind]]>) {
    if (rule === undefined) continue;
    const withinMs = rule.within === undefined ? DEFAULT_ANOMALY_WINDOW_MS : readDuration(ctx, `${path}.anomalies.${kind}.within`, rule.within);
    anomalies[kind] = { action: rule.action ?? 'alert', after: rule.after ?? 1, withinMs: withinMs ?? DEFAULT_ANOMALY_WINDOW_MS };
    if (kind === 'attestation_failure' && rule.action === 'suspend') {
      // Anyone can forge an attestation naming an agent: suspending on it would let them lock it out.
      ctx.problems.warning(`${path}.anomalies.${kind}.action`, 'suspend is treated as alert: attestation failures name an unverified agent, so they never suspend it');
    }
  }
  if (ctx.problems.items.slice(before).some((p) => p.severity === 'error') || maxTtlMs === null || reviewEveryMs === null) {
    return null;
  }
  return {
    name,
    ...(raw.description !== undefined && { description: raw.description }),
    scopes: [...raw.scopes],
    maxTtlMs,
    reviewEveryMs,
    ...(keyMaxAgeMs != null && { keyMaxAgeMs }),
    ...(raw.rate_limit !== undefined && perMs !== null && { rateLimit: { requests: raw.rate_limit.requests, perMs } }),
    anomalies,
    maxDelegationDepth: raw.max_delegation_depth ?? 1,
    ...(raw.sender_constraint === 'dpop' && { senderConstraint: 'dpop' as const }),
  };
}
