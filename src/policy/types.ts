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
  /** Own keys older than this (by their declared rotation date) are flagged by the credential audit. */
  keyMaxAgeMs?: number;
  rateLimit?: RateLimit;
  anomalies: Partial<Record<AnomalyKind, AnomalyRule>>;
  /** Agents a delegated token may pass through, counting this tier's agent; absent: 1 (person -> agent). */
  maxDelegationDepth?: number;
  /** `dpop`: tokens are issued only with a DPoP proof, bound to its key (RFC 9449); absent: optional. */
  senderConstraint?: 'dpop';
}

/** An identity provider of people, whose tokens agents present when they act for a person. */
export interface UserIssuer {
  issuer: string;
  jwksUri?: string;
  jwksFile?: string;
  jwks?: JSONWebKeySet;
  /** The person's token must be meant for this audience. */
  audience: string;
  algorithms: string[];
  /** Refuse tokens older than this (by iat) when set. */
  maxAgeMs?: number;
  /** Where the person's delegable scopes are; `either`: `scope` when the token has it, else `scp`. */
  scopeClaim: 'scope' | 'scp' | 'either';
}

/** RFC 8693 delegation for an intent: refused, optional, or the only way to use it. */
export type OnBehalfOf = 'forbidden' | 'allowed' | 'required';

export interface TrustedIssuer {
  issuer: string;
  jwksUri?: string;
  /** Absolute path (resolved against the policy file's folder). */
  jwksFile?: string;
  /** Loaded from jwksFile at policy load time. */
  jwks?: JSONWebKeySet;
  /** Absolute path of a bearer token sent with every fetch of jwksUri (read at each fetch: it rotates). */
  jwksTokenFile?: string;
  /** An attestation's `aud` must contain this (RFC 7519 §4.1.3). */
  audience: string;
  algorithms: string[];
  maxAgeMs: number;
  singleUse: boolean;
  /**
   * `aud` must hold `audience` and nothing else: a token the platform minted for several
   * audiences (and so presentable to each of them) is refused.
   */
  exclusiveAudience: boolean;
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
  /** When the key pair was last rotated, as declared (ISO 8601), and in ms. */
  rotatedAt?: string;
  rotatedAtMs?: number;
}

export type AttestationEntry = IssuerAttestation | KeyAttestation;

export interface Intent {
  name: string;
  description?: string;
  audience: string;
  scopes: string[];
  maxTtlMs?: number;
  /** Absent: forbidden. */
  onBehalfOf?: OnBehalfOf;
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
  /** Audiences at which this agent receives delegated tokens it may exchange onward; absent: none. */
  serves?: string[];
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
  userIssuers: UserIssuer[];
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
  userIssuersByIss: ReadonlyMap<string, UserIssuer>;
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
