/**
 * The last step of every token request, issued or denied, in one place: the audit record, the
 * service log line, the agent's activity, and the observers (metrics, anomaly detection). An
 * issued token's record is written before the token leaves (no unrecorded tokens: a failed
 * write throws and the exchange answers 503 instead). A flood of refusals by rate limit writes
 * one audit record per address and window, not one per request.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditTrail, ExchangeOutcome, OutcomeObserver } from '../context.js';
import { OAuthError } from '../errors.js';
import { actChain } from '../signing/index.js';
import type { ActivityEvent, Store } from '../store/types.js';
import { sha256Hex } from '../attestation/index.js';
import type { Decision } from './decide.js';
import type { Delegation } from './grants/index.js';

export interface OutcomeDeps {
  /** The broker's issuer: a token acting for a subject of another issuer acts for a person. */
  issuer: string;
  audit: AuditTrail;
  store: Store;
  observers: readonly OutcomeObserver[];
  logger: FastifyBaseLogger;
}

/** What the issued-token audit record holds beyond the outcome. */
export interface IssuedDetail {
  attestationKind: string;
  attestationIssuer: string;
  attestationSubject: string;
  attestationSha256: string;
  policyVersion: string;
}

/**
 * What the audit trail says of a delegated token: the person (or agent) acted for and their
 * issuer, the chain of agents, the scopes asked for against those granted and what removed
 * each, and the subject token by its SHA-256 and jti only.
 */
export interface DelegationRecord {
  kind: 'person' | 'chain';
  subject: string;
  subject_issuer: string;
  chain: string[];
  requested_scopes: string[];
  removed_scopes: Array<{ scope: string; by: string }>;
  subject_token_sha256: string;
  subject_token_jti?: string;
}

export function delegationRecord(d: Delegation, decision: Decision): DelegationRecord {
  return {
    kind: d.kind,
    subject: d.subject,
    subject_issuer: d.subjectIssuer,
    chain: actChain(d.act) ?? [],
    requested_scopes: decision.requested ?? decision.scopes,
    removed_scopes: (decision.removed ?? []).map((r) => ({ scope: r.scope, by: r.by })),
    subject_token_sha256: d.subjectTokenSha256,
    ...(d.subjectTokenJti !== undefined ? { subject_token_jti: d.subjectTokenJti } : {}),
  };
}

/** One audited rate-limit refusal per address per this long. */
const RATE_LIMIT_AUDIT_EVERY_MS = 10_000;
const MAX_THROTTLED_ADDRESSES = 10_000;

export function createOutcomeRecorder(deps: OutcomeDeps) {
  const lastRateLimitAudit = new Map<string, { atMs: number; suppressed: number }>();

  /** Rejects when the trail cannot be written: the token must not be handed out. */
  async function recordIssued(outcome: ExchangeOutcome, detail: IssuedDetail, delegation?: DelegationRecord): Promise<void> {
    try {
      await deps.audit.commit('token_issued', {
        ...(delegation ? { on_behalf_of: delegation } : {}),
        agent: outcome.agentId,
        intent: outcome.intent,
        audience: outcome.audience,
        scopes: outcome.scopes,
        jti: outcome.jti,
        expires_at: new Date(outcome.expiresAtMs ?? 0).toISOString(),
        attestation_kind: detail.attestationKind,
        attestation_issuer: detail.attestationIssuer,
        attestation_subject: detail.attestationSubject,
        attestation_sha256: detail.attestationSha256,
        grant: outcome.grant,
        policy_version: detail.policyVersion,
      });
    } catch (error) {
      throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
        reason: 'unavailable',
        internal: `audit write failed: ${(error as Error).message}`,
      });
    }
  }

  function recordDenied(outcome: ExchangeOutcome, status: number, clientAddress: string): void {
    if (outcome.reason === 'rate_limited' && !dueForAudit(clientAddress, outcome.atMs)) return;
    const suppressed = takeSuppressed(clientAddress, outcome);
    deps.audit.tryRecord('token_denied', {
      grant: outcome.grant,
      reason: outcome.reason,
      ...(outcome.check ? { check: outcome.check } : {}),
      agent: outcome.agentId,
      claimed_agent: outcome.claimedAgentId,
      intent: outcome.intent,
      audience: outcome.audience,
      status,
      client_address: clientAddress,
      ...(outcome.onBehalfOf ? { on_behalf_of: { kind: outcome.onBehalfOf.kind, subject: outcome.onBehalfOf.subject, subject_issuer: outcome.onBehalfOf.subjectIssuer } } : {}),
      ...(suppressed > 0 ? { rate_limited_since_last_record: suppressed } : {}),
      ...outcome.refusalAudit,
    });
  }

  function dueForAudit(clientAddress: string, atMs: number): boolean {
    const last = lastRateLimitAudit.get(clientAddress);
    if (last && atMs - last.atMs < RATE_LIMIT_AUDIT_EVERY_MS) {
      last.suppressed += 1;
      return false;
    }
    if (!last && lastRateLimitAudit.size >= MAX_THROTTLED_ADDRESSES) lastRateLimitAudit.delete(lastRateLimitAudit.keys().next().value as string);
    lastRateLimitAudit.set(clientAddress, { atMs, suppressed: last?.suppressed ?? 0 });
    return true;
  }

  function takeSuppressed(clientAddress: string, outcome: ExchangeOutcome): number {
    if (outcome.reason !== 'rate_limited') return 0;
    const entry = lastRateLimitAudit.get(clientAddress);
    const count = entry?.suppressed ?? 0;
    if (entry) entry.suppressed = 0;
    return count;
  }

  /** Everything after the response is decided; never throws. */
  function report(outcome: ExchangeOutcome, status: number, clientAddress: string, log: FastifyBaseLogger = deps.logger): void {
    if (outcome.result === 'issued') {
      // The agent, intent and decision as structured fields; the jti, never the token.
      log.info({ agent: outcome.agentId, intent: outcome.intent, decision: 'issued', jti: outcome.jti, grant: outcome.grant }, 'token issued');
    } else {
      log.info({ agent: outcome.agentId, intent: outcome.intent, decision: 'denied', reason: outcome.reason, grant: outcome.grant }, 'token request denied');
      recordDenied(outcome, status, clientAddress);
    }
    if (outcome.agentId !== undefined) {
      const activity: ActivityEvent = outcome.reason === undefined
        ? { agentId: outcome.agentId, atMs: outcome.atMs, outcome: outcome.result }
        : { agentId: outcome.agentId, atMs: outcome.atMs, outcome: outcome.result, reason: outcome.reason };
      // People are counted, never listed: only a hash of who, by which identity provider.
      const actedFor = outcome.onBehalfOf;
      if (outcome.result === 'issued' && actedFor && actedFor.subjectIssuer !== deps.issuer) activity.person = sha256Hex(`${actedFor.subjectIssuer}\n${actedFor.subject}`);
      deps.store.recordActivity(activity).catch((error: unknown) => log.warn({ err: error }, 'could not record agent activity'));
    }
    for (const observer of deps.observers) {
      try {
        observer.observe(outcome);
      } catch (error) {
        log.error({ err: error }, 'outcome observer failed');
      }
    }
  }

  return { recordIssued, report };
}

export type OutcomeRecorder = ReturnType<typeof createOutcomeRecorder>;
