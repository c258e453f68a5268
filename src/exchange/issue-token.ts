/**
 * Steps 2 to 5 of an exchange, top to bottom, after the caller is authenticated:
 * replay guard and agent state (one store round trip), governance, the grant decision,
 * then mint and audit. Every check runs before anything is signed; the first failure
 * answers (issue order: attestation, agent state, intent, audience, scope).
 */
import { randomUUID } from 'node:crypto';
import type { AttestationSuccess } from '../attestation/index.js';
import type { AuditTrail, PolicyHolder } from '../context.js';
import type { Clock } from '../clock.js';
import { OAuthError } from '../errors.js';
import { agentGovernance, decideGrant } from '../policy/index.js';
import type { Agent, CompiledPolicy, Tier } from '../policy/types.js';
import { mintAccessToken, type KeyRing } from '../signing/index.js';
import type { MintCheckResult, Store } from '../store/types.js';
import { revocationByTime } from '../admin/token-status.js';
import { TOKEN_TYPE_ACCESS_TOKEN, type TokenRequest } from './token-request.js';
import { agentRefused, attestationRefused, GOVERNANCE_TEXT, suspensionText } from './refusals.js';
import type { ExchangeTrace } from './trace.js';

/** The longest Retry-After the born-revoked guard asks for (a revocation window is ~5 s). */
const MAX_WAIT_S = 60;

export interface IssueDeps {
  issuer: string;
  clock: Clock;
  store: Store;
  policy: PolicyHolder;
  keyRing: KeyRing;
  audit: AuditTrail;
  onReplay?: () => void;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  issued_token_type?: string;
}

export async function issueToken(request: TokenRequest, attested: AttestationSuccess, trace: ExchangeTrace, deps: IssueDeps): Promise<TokenResponse> {
  const policy = deps.policy.current();
  const agent = policy.agentsById.get(attested.agent.id);
  if (!agent) throw agentRefused(request, attested.agent.id, 'no_agent', 'is not in the policy');

  const state = await deps.store.checkMint({ agentId: agent.id, ...(attested.replay ? { replay: attested.replay } : {}) });
  guardReplay(request, attested, state, deps);
  const tier = guardAgentState(request, agent, policy, state, deps.clock());

  const decision = decideGrant({ agent, tier, audience: request.audience, ...optional('scopes', request.scopes), ...optional('intent', request.intent) });
  trace.audience = request.audience;
  if (!decision.ok) {
    if (request.intent) trace.intent = request.intent;
    throw new OAuthError(decision.error, decision.description, { reason: decision.reason });
  }
  trace.intent = decision.intent.name;
  trace.scopes = decision.scopes;

  ensureAuditWritable(deps.audit);
  const issuedAtMs = deps.clock();
  guardRevokedUntil(state, issuedAtMs);
  const { token, claims } = mintAccessToken(
    {
      issuer: deps.issuer,
      agentId: agent.id,
      audience: decision.intent.audience,
      scopes: decision.scopes,
      intent: decision.intent.name,
      tier: agent.tier,
      owner: agent.owner,
      jti: randomUUID(),
      issuedAtMs,
      ttlSeconds: Math.max(1, Math.floor(decision.ttlMs / 1000)),
    },
    currentSigner(deps.keyRing),
  );
  trace.jti = claims.jti;
  trace.expiresAtMs = claims.exp * 1000;
  recordIssued(deps.audit, trace, attested, policy.version);
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: claims.exp - claims.iat,
    scope: claims.scope,
    ...(request.grant === 'token_exchange' ? { issued_token_type: TOKEN_TYPE_ACCESS_TOKEN } : {}),
  };
}

function guardReplay(request: TokenRequest, attested: AttestationSuccess, state: MintCheckResult, deps: IssueDeps): void {
  if (!state.claimed) {
    deps.onReplay?.();
    throw attestationRefused(request, 'replayed', 'single-use attestation presented again');
  }
  // Issue 3 "Lost state": a shared store whose epoch changed lost its replay records and
  // revocations, so every attestation issued before the new epoch is refused (agents fetch a
  // fresh one). The embedded store starts a new epoch on every restart of the broker by design:
  // there only single-use attestations, whose replay records were lost, are refused; refusing
  // reusable ones would lock Kubernetes workloads out until the kubelet refreshes their token.
  const epochApplies = deps.store.kind !== 'memory' || attested.replay !== undefined;
  if (epochApplies && attested.issuedAtMs < state.epochMs) {
    throw attestationRefused(request, 'attestation_invalid', 'attestation issued before the store epoch (state was lost)');
  }
}

function guardAgentState(request: TokenRequest, agent: Agent, policy: CompiledPolicy, state: MintCheckResult, nowMs: number): Tier {
  const governance = agentGovernance(agent, policy, nowMs);
  if (governance.blockedBy) throw agentRefused(request, agent.id, governance.blockedBy, GOVERNANCE_TEXT[governance.blockedBy]);
  if (state.control.suspended) throw agentRefused(request, agent.id, 'suspended', suspensionText(state.control.suspended.by));
  const tier = policy.policy.tiers[agent.tier];
  if (!tier) throw agentRefused(request, agent.id, 'no_agent', 'has no tier');
  return tier;
}

/**
 * An operator's "revoke all tokens" reaches a little into the future (clock skew between
 * instances), and a new store epoch set by an instance whose clock is ahead can lie after
 * this instance's now. Introspection treats tokens issued before either instant as revoked,
 * so minting one now would give a token born revoked (introspection and offline JWKS
 * verification would disagree about it): come back once the instant has passed.
 */
function guardRevokedUntil(state: MintCheckResult, issuedAtMs: number): void {
  const live = (iat: number) => revocationByTime(iat, state.control.revokedBeforeMs, state.epochMs) === null;
  const iat = Math.floor(issuedAtMs / 1000); // as minted: whole seconds
  if (live(iat)) return;
  let firstLive = iat + 1;
  while (!live(firstLive) && firstLive < iat + MAX_WAIT_S) firstLive++;
  const retryAfterS = Math.max(1, Math.ceil((firstLive * 1000 - issuedAtMs) / 1000));
  throw new OAuthError('temporarily_unavailable', `a token issued now would already count as revoked (a revocation or a store reset moments ago); retry in ${retryAfterS} s`, {
    reason: 'unavailable',
    headers: { 'retry-after': String(retryAfterS) },
    internal: 'mint inside a revocation window (agent revocation or store epoch)',
  });
}

/** No signing key yet (a shared ring not loaded): the broker is not ready, 503 rather than 500. */
function currentSigner(keyRing: KeyRing) {
  try {
    return keyRing.currentSigner();
  } catch (error) {
    throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: `no signing key: ${(error as Error).message}`,
    });
  }
}

/** Issue 4: no unrecorded tokens. While the audit trail cannot be written, nothing is minted. */
function ensureAuditWritable(audit: AuditTrail): void {
  if (!audit.healthy() && !audit.probe()) {
    throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: 'audit trail not writable',
    });
  }
}

function recordIssued(audit: AuditTrail, trace: ExchangeTrace, attested: AttestationSuccess, policyVersion: string): void {
  try {
    audit.record('token_issued', {
      agent: trace.agentId,
      intent: trace.intent,
      audience: trace.audience,
      scopes: trace.scopes,
      jti: trace.jti,
      expires_at: new Date(trace.expiresAtMs ?? 0).toISOString(),
      attestation_kind: attested.kind,
      attestation_issuer: attested.issuer,
      attestation_subject: attested.subject,
      attestation_sha256: attested.tokenHash,
      grant: trace.grant,
      policy_version: policyVersion,
    });
  } catch (error) {
    throw new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', {
      reason: 'unavailable',
      internal: `audit write failed: ${(error as Error).message}`,
    });
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
