/**
 * What the broker tells the receivers, as plain data: the actions that end trust in tokens
 * already issued. The broker's code emits one where the action happens (only there, so each
 * action is transmitted once however many instances run); the transmitter turns it into one
 * SET per stream.
 */

/** CAEP 1.0 §2 initiating_entity: an operator, the anomaly response (policy), the token's holder. */
export type Initiator = 'admin' | 'policy' | 'user';

export type SecurityEvent =
  /** The agent was suspended or revoked: its tokens issued until now are to be refused. */
  | { kind: 'agent_suspended' | 'agent_revoked'; agentId: string; atMs: number; initiator: Initiator }
  /** One token (by jti) was revoked; `audience` its `aud`, when known (who may learn of it). */
  | { kind: 'token_revoked'; jti: string; audience?: string; atMs: number; initiator: Initiator }
  /** Every token agents hold on behalf of one person (their identity provider and subject). */
  | { kind: 'person_revoked'; issuer: string; subject: string; atMs: number; initiator: Initiator }
  /** A signing key was withdrawn as compromised: tokens it signed are to be refused. */
  | { kind: 'key_compromised'; kid: string; atMs: number; initiator: Initiator };

export type SecurityEventKind = SecurityEvent['kind'];

export const SECURITY_EVENT_KINDS: readonly SecurityEventKind[] = ['agent_suspended', 'agent_revoked', 'token_revoked', 'person_revoked', 'key_compromised'];

/** Where the broker's code hands an event over; it never blocks or throws into the action. */
export interface SecurityEvents {
  emit(event: SecurityEvent): void;
}

/** For parts built without a transmitter (unit tests of a single module). */
export const noSecurityEvents: SecurityEvents = { emit() {} };
