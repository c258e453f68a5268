/** The credential audit's plain data: how each agent authenticates and what is wrong with it. */

export type Severity = 'high' | 'medium' | 'low';

export type FindingCode =
  | 'key_rotation_undeclared'
  | 'key_too_old'
  | 'key_shared'
  | 'reusable_long_max_age'
  | 'jwks_uri_http'
  | 'jwks_uri_unreachable'
  | 'method_unused'
  | 'static_key_only';

export interface Finding {
  severity: Severity;
  code: FindingCode;
  /** Index into the agent's methods; absent when the finding is about the agent as a whole. */
  method?: number;
  message: string;
  /** What to do about it, in one sentence. */
  fix: string;
}

export type CredentialMethod =
  | {
      kind: 'issuer';
      issuer: string;
      subject: string;
      /** Bound claims as `key=value`. */
      claims: string[];
      single_use: boolean;
      max_age_seconds: number;
      jwks_uri: string | null;
      last_used_at: string | null;
    }
  | {
      kind: 'keys';
      /** RFC 7638 thumbprints (public facts only, never key material). */
      thumbprints: string[];
      kids: string[];
      rotated_at: string | null;
      key_age_days: number | null;
      last_used_at: string | null;
    };

export interface AgentCredentials {
  agent: string;
  owner: string;
  tier: string;
  methods: CredentialMethod[];
  findings: Finding[];
}

export interface CredentialReport {
  generated_at: string;
  unused_days: number;
  /** False offline: method usage and jwks_uri reachability were not observed. */
  live: boolean;
  /** Live: the store knows the agents' requests from this instant on; null offline or when not known. */
  activity_since: string | null;
  /** Why an agent never seen is not reported unused (that history is shorter than unused_days); null otherwise. */
  note: string | null;
  agents: AgentCredentials[];
  summary: Record<Severity, number>;
}

/** What the store saw of each agent's authentication (see usage.ts for how far it reaches). */
export interface CredentialUsage {
  /** Agent id -> last time it asked for a token (issued or denied); null: not within the store's memory. */
  lastSeenMs: ReadonlyMap<string, number | null>;
  /** `<agent>\n<method key>` -> last token issued through it (see methodKey). */
  lastUsedMs: ReadonlyMap<string, number>;
  /** The audit records examined reach back to this instant for every agent; null when none were read. */
  coveredSinceMs: number | null;
  /**
   * lastSeenMs knows every request since this instant (the store's epoch, or its retention of
   * last seen when shorter); null when not known. Before it, "never seen" proves nothing.
   */
  activitySinceMs: number | null;
}

/** What is known of each jwks_uri's reachability (issuer key health or an online probe). */
export type JwksReachability = ReadonlyMap<string, { ok: boolean; cause?: string }>;
