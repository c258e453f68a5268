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

export interface MintCheckInput {
  agentId: string;
  /** Present for single-use attestations and assertions: claimed atomically (SET NX PX). */
  replay?: { key: string; ttlMs: number };
}

export interface MintCheckResult {
  /** False when the replay key was already claimed. */
  claimed: boolean;
  control: AgentControl;
  /** The store's epoch (ms); see epoch(). */
  epochMs: number;
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
}

export interface AgentActivity {
  lastSeenMs: number | null;
  issued24h: number;
  denied24h: number;
  /** Most recent first, bounded. */
  recentDenials: Array<{ atMs: number; reason: string }>;
}

export type StoreEvent =
  | { type: 'agent'; agentId: string }
  | { type: 'token-revoked'; jti: string }
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
  claimOnce(key: string, ttlMs: number): Promise<boolean>;

  getAgentControl(agentId: string): Promise<AgentControl>;
  suspendAgent(agentId: string, suspension: Suspension): Promise<void>;
  resumeAgent(agentId: string): Promise<void>;
  /** Revoke every token of the agent issued at or before `beforeMs`. */
  revokeAgentTokens(agentId: string, beforeMs: number): Promise<void>;

  /** Revoke one token until `expiresAtMs` (then the record may vanish: the token is dead anyway). */
  revokeToken(jti: string, expiresAtMs: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revocation state for introspection in one round trip. */
  checkToken(jti: string, agentId: string): Promise<{ revoked: boolean; control: AgentControl; epochMs: number }>;

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
  close(): Promise<void>;
}
