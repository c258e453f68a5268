/**
 * What every route and the exchange need, passed explicitly (no globals). buildApp
 * assembles it from its arguments; tests build it with fixed clocks and generated keys.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { CompiledPolicy } from './policy/types.js';
import type { SecurityEvents } from './ssf/index.js';
import type { Store } from './store/types.js';

/** The policy in force, replaced atomically on reload. */
export interface PolicyHolder {
  current(): CompiledPolicy;
}

/** Fixed vocabulary of denial reasons (metrics labels, audit, anomaly kinds). */
export type DenialReason =
  | 'bad_request'
  | 'attestation_invalid'
  | 'replayed'
  | 'no_agent'
  | 'pending'
  | 'retired'
  | 'orphaned'
  | 'review_overdue'
  | 'suspended'
  | 'intent'
  | 'scope'
  | 'audience'
  | 'rate_limited'
  | 'unavailable'
  | 'client_mismatch'
  | 'delegation'
  | 'dpop';

export type GrantName = 'token_exchange' | 'client_credentials' | 'jwt_bearer' | 'unsupported';

/** One token request's outcome, as seen by audit, metrics and anomaly detection. */
export interface ExchangeOutcome {
  atMs: number;
  grant: GrantName;
  result: 'issued' | 'denied';
  reason?: DenialReason;
  /** Which check refused, within the reason (a fixed vocabulary, e.g. the failed DPoP proof check). */
  check?: string;
  /** Facts of a refused decision for its audit record (e.g. the scopes asked for and what removed each). */
  refusalAudit?: Readonly<Record<string, unknown>>;
  /** Present once the caller's identity is verified (never from unverified input). */
  agentId?: string;
  tier?: string;
  intent?: string;
  audience?: string;
  scopes?: string[];
  jti?: string;
  expiresAtMs?: number;
  attestationKind?: 'issuer' | 'keys';
  /**
   * UNVERIFIED: the agent a failed attestation claimed to be (by its iss/sub or a key
   * selection). Only for alerting on attestation failures of a known identity, never for a
   * decision such as suspension: anyone can forge a claim.
   */
  claimedAgentId?: string;
  /** Verified attestation issuer and subject. */
  issuer?: string;
  subject?: string;
  /** Delegation (RFC 8693): whom the agent acts for (verified), and how it got that authority. */
  onBehalfOf?: { subject: string; subjectIssuer: string; kind: 'person' | 'chain' };
  durationSeconds?: number;
}

/** Audit trail: structured records on their own stream. `record` throws when it cannot write. */
export interface AuditTrail {
  record(event: string, data: Record<string, unknown>): void;
  /**
   * Records with the other records committed in this event-loop turn, in one write (a group
   * commit): resolves once the record is written, rejects when the write failed. For the hot
   * path, where the caller waits for the record anyway (an issued token leaves only after it).
   */
  commit(event: string, data: Record<string, unknown>): Promise<void>;
  /**
   * For events whose action does not wait on the trail (a refusal, a protective action already
   * applied): records, or logs at error level that the event went unrecorded. True when recorded.
   */
  tryRecord(event: string, data: Record<string, unknown>): boolean;
  /** False while the last write failed: minting is refused until a write succeeds. */
  healthy(): boolean;
  /** Try a write again (e.g. a probe record); resolves true when the trail is writable. */
  probe(): boolean;
}

/** Observers of token request outcomes (metrics, anomaly detection). Never block a request. */
export interface OutcomeObserver {
  observe(outcome: ExchangeOutcome): void;
}

export interface BrokerContext {
  config: Config;
  clock: Clock;
  logger: FastifyBaseLogger;
  store: Store;
  policy: PolicyHolder;
  audit: AuditTrail;
  observers: OutcomeObserver[];
  /** A revocation was stored (sts_revocations_total): a token by jti, an agent's tokens, a compromised key. */
  onRevoked: (kind: RevocationKind) => void;
  /** Where a suspension, a revocation or a compromised key is told to the Shared Signals receivers (only where it happened). */
  securityEvents: SecurityEvents;
}

export type RevocationKind = 'token' | 'agent' | 'key' | 'person';
