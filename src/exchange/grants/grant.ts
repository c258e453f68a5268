/**
 * What a grant is to the exchange: how its parameters parse (pure), how its caller proves who
 * it is, and how it words a refusal. Every grant then goes through the same steps (replay and
 * agent state, limits, decision, minting, audit) in create-exchange.ts.
 */
import type { AttestationContext, AttestationSuccess, ReplayClaim, ShadowIdentity } from '../../attestation/index.js';
import type { ActClaim, BrokerTokenResult, MayActClaim } from '../../signing/index.js';
import type { PersonRef } from '../../store/index.js';
import type { DenialReason, GrantName } from '../../context.js';
import type { OAuthError } from '../../errors.js';
import type { FormParams } from '../../http/form-body.js';
import type { Agent } from '../../policy/types.js';
import type { Target } from '../target.js';

/** The request headers a grant may read (client authentication, later proofs of possession). */
export interface RequestHeaders {
  authorization?: string | undefined;
}

/** A parsed token request: the target, and whatever the grant itself needs. */
export interface GrantRequest extends Target {
  readonly grant: GrantName;
}

/** What a grant needs to prove its caller: the attestation context, and our own tokens' verifier. */
export interface GrantContext {
  attestation: AttestationContext;
  /** A token of ours presented back (a delegation chain): signature, typ, issuer and times. */
  ownToken(token: string): Promise<BrokerTokenResult>;
}

/**
 * The caller acts for someone else (RFC 8693 §1.1 delegation): a person, through their token,
 * or whoever a token of ours presented back acts for (a chain of agents).
 */
export interface Delegation {
  kind: 'person' | 'chain';
  /** `sub` of the new token and the issuer that names it. */
  subject: string;
  subjectIssuer: string;
  /** The scopes the person, or the presented token, carries: the new token gets no more. */
  delegable: string[];
  /** The new token's `act`: the caller outermost, the earlier actors nested. */
  act: ActClaim;
  /** Agents in the new token's chain, the caller and an agent acted for included. */
  depth: number;
  /** RFC 8693 §4.4: the only actor the person admitted, carried into the new token. */
  mayAct?: MayActClaim;
  /** The person whose revocation refuses this (and ends the new token). */
  person?: PersonRef;
  /** When the person's token, or the presented token, was issued (a person revoked since refuses it). */
  subjectIssuedAtMs: number;
  /** Chain: the presented token's jti and every agent of it (its holder, its act chain, an agent it acts for). */
  presented?: { jti: string; agents: string[] };
  /** For the audit trail: the subject token's SHA-256 and jti (never the token). */
  subjectTokenSha256: string;
  subjectTokenJti?: string;
}

/** A single-use proof's claim, with the answer its refusal gets (it names the parameter that carried the proof). */
export interface ProofClaim extends ReplayClaim {
  refusals: Refusals;
}

/** Who is calling, once proven. */
export interface Caller {
  agent: Agent;
  /** The proof that names the agent (subject token, assertion or client assertion). */
  proof: AttestationSuccess;
  /** Every single-use proof of the request, claimed together in the store. */
  replay: ProofClaim[];
  /** The minted token may not outlive this instant (a subject token's `exp`, an actor attestation's). */
  notAfterMs?: number;
  delegation?: Delegation;
}

export type Authentication =
  | { ok: true; caller: Caller }
  | {
      ok: false;
      error: OAuthError;
      /** UNVERIFIED: the agent a failed proof named (alerting only, never a decision). */
      claimedAgentId?: string;
      /** A verified identity that no agent claims (shadow-agent discovery). */
      shadow?: ShadowIdentity;
    };

/** The OAuth errors a grant answers when its caller, or the caller's agent, is refused. */
export interface Refusals {
  /** The proof failed or was replayed: one answer for every cause (no oracle). */
  /** `check`: which rule refused, within the reason (a fixed vocabulary, for the audit trail and metrics). */
  proof(reason: DenialReason, internal: string, check?: string): OAuthError;
  /** The agent is known but may not get tokens now (governance, suspension). */
  agent(agentId: string, reason: DenialReason, text: string): OAuthError;
}

export interface Grant<R extends GrantRequest = GrantRequest> {
  readonly name: GrantName;
  /** The grant_type URI or name (RFC 6749 §4.4.2, RFC 8693 §2.1, RFC 7523 §2.1). */
  readonly type: string;
  parse(params: FormParams, headers: RequestHeaders): R;
  authenticate(request: R, ctx: GrantContext): Promise<Authentication>;
  readonly refusals: Refusals;
  /** RFC 8693 §2.2.1: a token exchange response names the type of the issued token. */
  readonly issuedTokenType?: string;
}
