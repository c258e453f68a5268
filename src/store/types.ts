/**
 * The state the broker keeps, behind one interface with two implementations:
 * the embedded in-process store (one instance) and Redis (many instances).
 * Both pass one contract suite (test/store/contract.ts).
 *
 * Every method may reject with StoreUnavailableError when the backing store cannot be
 * reached within its time bound: callers fail closed.
 */

export interface Suspension {
  atMs: number;
  by: string;
  reason: string;
}

/** What the store says about one agent, read on every mint and introspection. */
export interface AgentControl {
  suspended: Suspension | null;
  /** Tokens of this agent issued at or before this instant (ms) are revoked. */
  revokedBeforeMs: number | null;
}

/** When a suspension or resumption was written: the store epoch, then a per-agent sequence. */
export interface ControlVersion {
  epochMs: number;
  seq: number;
}

/**
 * One agent's control state with what is needed to merge copies of it (see control-merge.ts):
 * the version of its last suspension or resumption; null when it was never suspended.
 */
export interface ControlRecord extends AgentControl {
  agentId: string;
  version: ControlVersion | null;
}

/** A fixed-window request budget: at most `max` requests per window of `windowMs`. */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** A window counter after this request: its count so far and when the window ends. */
export interface WindowCount {
  count: number;
  resetInMs: number;
}

/** A person a delegated token was issued for: their identity provider and subject. */
export interface PersonRef {
  issuer: string;
  subject: string;
}

/** What else decides whether a delegated token stays good, besides its holder and jti. */
export interface TokenParties {
  /** The other agents of its act chain: suspending or revoking any of them ends the token. */
  agents: readonly string[];
  /** The person it acts for: revoking the person's tokens ends it. */
  person?: PersonRef;
}

/** The state of a token's other parties, read with its own. */
export interface PartiesState {
  controls: AgentControl[];
  personRevokedBeforeMs: number | null;
}

export interface MintCheckInput {
  agentId: string;
  /**
   * Single-use attestations and assertions of this request, claimed atomically together (all
   * or none: when one was seen before, none is claimed).
   */
  replay?: ReadonlyArray<{ key: string; ttlMs: number }>;
  /** The client address's shared budget (key: the normalised address), counted in the same round trip. */
  address?: WindowLimit & { key: string };
  /** The agent's tier budget, counted in the same round trip unless the request is a replay. */
  agentLimit?: WindowLimit;
  /** Delegation: the token of ours presented as subject: its jti, and every agent of it (holder and act chain). */
  presented?: { jti: string; agents: readonly string[] };
  /** Delegation: the person the new token acts for (their revocation refuses it). */
  person?: PersonRef;
}

export interface MintCheckResult {
  /** False when a replay key was already claimed (then none of this request's keys is). */
  claimed: boolean;
  /** When not claimed: which of the request's replay keys (by position) was seen before. */
  replayedIndex?: number;
  /** Over the address's or the agent's budget: nothing was claimed, the request must be refused. */
  limited?: 'address' | 'agent';
  /**
   * The agent holds its whole share of the store's single-use records (the embedded store
   * bounds each agent's share so one agent flooding unique assertions cannot fill it for all).
   */
  replayShareExhausted?: boolean;
  control: AgentControl;
  /** The store's epoch (ms); see epoch(). */
  epochMs: number;
  address?: WindowCount;
  agent?: WindowCount;
  /** With `presented`: whether it was revoked by jti, and its agents' control states (in order). */
  presented?: { revoked: boolean; controls: AgentControl[] };
  /** With `person`: their revoke-before instant. */
  personRevokedBeforeMs?: number | null;
}

/** What /readyz reports of the store beyond reachability. */
export interface StoreHealth {
  /** False while the single-use records are at capacity (new single-use attestations get 503). */
  replayCapacity: boolean;
}

export interface TokenCheck {
  revoked: boolean;
  control: AgentControl;
  epochMs: number;
  /** Present when parties were asked about. */
  parties?: PartiesState;
}

export interface KeyRingRecord {
  /** Monotonic version for compare-and-set. */
  version: number;
  /** Opaque (encrypted by the signing module). */
  blob: string;
}

export interface ShadowSighting {
  issuer: string;
  subject: string;
  /** Non-secret claims (already filtered by the caller). */
  claims: Record<string, unknown>;
  atMs: number;
}

export interface ShadowAgent {
  issuer: string;
  subject: string;
  firstSeenMs: number;
  lastSeenMs: number;
  attempts: number;
  claims: Record<string, unknown>;
}

export interface AuditRecord {
  /** Store-assigned id (monotonic). */
  id: string;
  atMs: number;
  event: string;
  agent?: string;
  data: Record<string, unknown>;
}

export interface AuditQuery {
  agent?: string;
  sinceMs?: number;
  limit: number;
}

export interface ActivityEvent {
  agentId: string;
  atMs: number;
  outcome: 'issued' | 'denied';
  /** For denials: the fixed reason vocabulary. */
  reason?: string;
  /** A delegated token: the person acted for, as an opaque key (counted, never listed). */
  person?: string;
}

export interface AgentActivity {
  lastSeenMs: number | null;
  issued24h: number;
  denied24h: number;
  /** Distinct people the agent acted for in the last 24 h (approximate on Redis: HyperLogLog). */
  people24h: number;
  /** Most recent first, bounded. */
  recentDenials: Array<{ atMs: number; reason: string }>;
}

export type StoreEvent =
  | { type: 'agent'; agentId: string }
  | { type: 'token-revoked'; jti: string }
  | { type: 'person-revoked'; issuer: string; subject: string }
  | { type: 'keyring'; version: number }
  | { type: 'epoch'; epochMs: number };

export interface Lease {
  readonly name: string;
  readonly token: string;
}

export interface Store {
  readonly kind: 'memory' | 'redis';

  /** Replay claim + agent control + epoch in one round trip: the hot path of minting. */
  checkMint(input: MintCheckInput): Promise<MintCheckResult>;
  /** Atomically claim a key once (SET NX PX). True when this call claimed it. */
  claimOnce(key: string, ttlMs: number, owner?: string): Promise<boolean>;
  /**
   * Adds requests refused before the state check to the addresses' shared budgets (batched,
   * off the request path); answers each address's count so far.
   */
  countAddresses(hits: ReadonlyMap<string, number>, windowMs: number): Promise<Map<string, WindowCount>>;

  getAgentControl(agentId: string): Promise<AgentControl>;
  suspendAgent(agentId: string, suspension: Suspension): Promise<void>;
  resumeAgent(agentId: string): Promise<void>;
  /** Revoke every token of the agent issued at or before `beforeMs`. */
  revokeAgentTokens(agentId: string, beforeMs: number): Promise<void>;
  /** Every agent with control state (suspended, resumed or revoked at some point). */
  listControls(): Promise<ControlRecord[]>;
  /**
   * Writes copies of control records kept elsewhere (another instance's memory, the state
   * file) back into the store, merging: a suspension is restored unless the store holds a
   * newer one or a later resumption; revoke-before only moves forward.
   */
  restoreControls(records: readonly ControlRecord[]): Promise<void>;

  /** Revoke one token until `expiresAtMs` (then the record may vanish: the token is dead anyway). */
  revokeToken(jti: string, expiresAtMs: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revocation state for introspection in one round trip (with a delegated token's other parties). */
  checkToken(jti: string, agentId: string, parties?: TokenParties): Promise<TokenCheck>;
  /** Revoke every token issued on behalf of the person at or before `beforeMs`. */
  revokePersonTokens(person: PersonRef, beforeMs: number): Promise<void>;

  /**
   * The instant the store's state began. Redis restarted empty gets a new epoch: every token
   * issued and every attestation issued before it is then refused.
   */
  epoch(): Promise<number>;

  getKeyRing(): Promise<KeyRingRecord | null>;
  /** Compare-and-set: succeeds only when the stored version is `expectedVersion` (0: absent). */
  putKeyRing(blob: string, expectedVersion: number): Promise<boolean>;

  acquireLease(name: string, ttlMs: number): Promise<Lease | null>;
  renewLease(lease: Lease, ttlMs: number): Promise<boolean>;
  releaseLease(lease: Lease): Promise<void>;

  recordShadow(sighting: ShadowSighting): Promise<void>;
  listShadows(): Promise<ShadowAgent[]>;

  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<void>;
  readAudit(query: AuditQuery): Promise<AuditRecord[]>;

  recordActivity(event: ActivityEvent): Promise<void>;
  getActivity(agentId: string, nowMs: number): Promise<AgentActivity>;

  /** Changes made by any instance (pub/sub on Redis). Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;

  /** Round trip to the backing store; rejects when unreachable. */
  ping(): Promise<void>;
  health(): StoreHealth;
  close(): Promise<void>;
}
