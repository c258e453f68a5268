/**
 * The policy after parsing and validation: plain, frozen data with durations in
 * milliseconds and relative paths resolved. The raw YAML shape lives in schema.ts.
 */
import type { JSONWebKeySet } from 'jose';

export type Role = 'auditor' | 'operator' | 'admin';
type AgentStatus = 'active' | 'retired';
export type AnomalyKind = 'out_of_scope' | 'volume' | 'novelty' | 'attestation_failure';
export type AnomalyAction = 'alert' | 'suspend';

export interface Owner {
  id: string;
  contact?: string;
  active: boolean;
}

export interface AnomalyRule {
  action: AnomalyAction;
  /** With `suspend`: suspend on the Nth detection within `withinMs`. */
  after: number;
  withinMs: number;
}

interface RateLimit {
  requests: number;
  perMs: number;
}

export interface Tier {
  name: string;
  description?: string;
  /** Ceiling: globs every granted scope must match one of. */
  scopes: string[];
  maxTtlMs: number;
  reviewEveryMs: number;
  rateLimit?: RateLimit;
  anomalies: Partial<Record<AnomalyKind, AnomalyRule>>;
}

export interface TrustedIssuer {
  issuer: string;
  jwksUri?: string;
  /** Absolute path (resolved against the policy file's folder). */
  jwksFile?: string;
  /** Loaded from jwksFile at policy load time. */
  jwks?: JSONWebKeySet;
  audience: string;
  algorithms: string[];
  maxAgeMs: number;
  singleUse: boolean;
}

/** A claim bound by an attestation entry; `pointer` is an RFC 6901 JSON Pointer ("/a/b") or a top-level name ("/name"). */
export interface ClaimBinding {
  /** As written in the policy ("namespace" or "/kubernetes.io/namespace"). */
  key: string;
  /** Decoded RFC 6901 reference tokens. */
  path: string[];
  value: string | number | boolean;
}

export interface IssuerAttestation {
  kind: 'issuer';
  issuer: string;
  subject: string;
  claims: ClaimBinding[];
}

export interface KeyAttestation {
  kind: 'keys';
  /** Public keys only (validated). */
  jwks: JSONWebKeySet;
  jwksFile?: string;
}

export type AttestationEntry = IssuerAttestation | KeyAttestation;

export interface Intent {
  name: string;
  description?: string;
  audience: string;
  scopes: string[];
  maxTtlMs?: number;
}

export interface Agent {
  id: string;
  description?: string;
  owner: string;
  tier: string;
  createdBy: string;
  approvedBy?: string;
  /** ISO 8601 date as written. */
  reviewedAt: string;
  reviewedAtMs: number;
  status: AgentStatus;
  attestation: AttestationEntry[];
  intents: Intent[];
  /**
   * For a resource server: the audiences whose tokens it may introspect. Absent: every
   * audience (RFC 7662 §4 leaves the choice to the server; the policy check warns).
   */
  introspects?: string[];
}

export interface Operator {
  id: string;
  role: Role;
  /** Lower-case hex SHA-256 of the bearer key. */
  keySha256: string;
}

export interface OperatorIssuer {
  issuer: string;
  jwksUri?: string;
  jwksFile?: string;
  jwks?: JSONWebKeySet;
  audience: string;
  algorithms: string[];
  roleClaim: string;
  roles: Record<string, Role>;
}

export interface Policy {
  owners: Owner[];
  tiers: Record<string, Tier>;
  issuers: TrustedIssuer[];
  agents: Agent[];
  operators: Operator[];
  operatorIssuers: OperatorIssuer[];
}

/** A policy plus the indexes the hot path needs. Built once per load. */
export interface CompiledPolicy {
  policy: Policy;
  /** SHA-256 (hex) of the policy file bytes and the key sets loaded from its jwks_file entries: identifies the version in logs and audit. */
  version: string;
  /** Absolute path of the file it came from, if any. */
  source?: string;
  agentsById: ReadonlyMap<string, Agent>;
  ownersById: ReadonlyMap<string, Owner>;
  issuersByIss: ReadonlyMap<string, TrustedIssuer>;
  /** issuer -> subject -> the agents' attestation entries naming that pair. */
  attestationIndex: ReadonlyMap<string, ReadonlyMap<string, ReadonlyArray<{ agent: Agent; entry: IssuerAttestation }>>>;
}

/** Why an agent may not get tokens now, from the policy alone (suspension lives in the store). */
export type GovernanceBlock = 'pending' | 'retired' | 'orphaned' | 'review_overdue';

export interface Governance {
  pending: boolean;
  retired: boolean;
  orphaned: boolean;
  reviewDueAtMs: number;
  reviewOverdue: boolean;
  /** Review due within the warning window (14 days). */
  reviewDueSoon: boolean;
  /** The first reason, in the order pending, retired, orphaned, review_overdue; null when clear. */
  blockedBy: GovernanceBlock | null;
}

export type ProblemSeverity = 'error' | 'violation' | 'warning';

/** One finding of `policy check`: `path` names the agent (by id) and the field. */
export interface PolicyProblem {
  severity: ProblemSeverity;
  path: string;
  message: string;
}
