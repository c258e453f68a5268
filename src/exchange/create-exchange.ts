/**
 * One token request, top to bottom (RFC 6749 §3.2 and the grants of grants/index.ts):
 *
 *   0. admit       before the body is read: no query string, the address's budget in this process
 *   1. parse       the form, the grant by grant_type, the grant's parameters
 *   2. authenticate the caller's proof (attestation, assertion), with the grant's own errors
 *   3. replay and agent state, in one store round trip that also counts the budgets
 *   4. budgets     the address's and the agent's, as counted across instances
 *   5. decide      intent, audience, scopes and lifetime from the policy (pure)
 *   6. mint        an RFC 9068 access token, after the audit trail is known to be writable
 *   7. record      the outcome, issued or denied, in one place (outcome.ts)
 *
 * Every step reads the same policy snapshot, taken once per request. Nothing is signed until
 * every check has passed; the first failure answers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AttestationContext, IssuerKeyResolver, VerifiedTokenCache } from '../attestation/index.js';
import type { Clock } from '../clock.js';
import type { AuditTrail, DenialReason, ExchangeOutcome, OutcomeObserver, PolicyHolder } from '../context.js';
import { OAuthError } from '../errors.js';
import { toOAuthError } from '../http/error-handler.js';
import { formBody, refuseQueryString } from '../http/form-body.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { AddressLimiter } from '../rate-limit/index.js';
import { mintAccessToken, verifyBrokerToken, type BrokerKeySource, type Signer } from '../signing/index.js';
import type { ControlKeeper, Store } from '../store/index.js';
import { grantFor, onBehalfOfClaims, type Caller, type Grant, type GrantRequest } from './grants/index.js';
import { currentSigner, ensureAuditWritable, lifetimeSeconds } from './mint-rules.js';
import { decide, delegationChecks, guardDelegation } from './decide.js';
import { guardPossessionEpoch, possessionReplayed, readPossession, requirePossession } from './possession.js';
import type { NonceIssuer } from '../dpop/index.js';
import { createOutcomeRecorder, delegationRecord } from './outcome.js';
import { guardAgentState, guardBudgets, guardReplay, guardRevokedUntil, tooMany } from './state-guards.js';

export interface ExchangeDeps {
  issuer: string;
  clock: Clock;
  store: Store;
  policy: PolicyHolder;
  signer: () => Signer;
  /** Our own published keys, to verify a token of ours presented back. */
  ring: BrokerKeySource;
  audit: AuditTrail;
  observers: readonly OutcomeObserver[];
  logger: FastifyBaseLogger;
  limiter: AddressLimiter;
  issuerKeys: IssuerKeyResolver;
  verifiedTokens: VerifiedTokenCache;
  /** Suspensions known here that a store which lost its data may not hold again yet. */
  keeper?: Pick<ControlKeeper, 'pendingSuspension'>;
  /** DPoP server nonces (STS_DPOP_NONCE): every proof must carry a current one. */
  nonces?: NonceIssuer;
}

export interface TokenResponse {
  access_token: string;
  /** RFC 9449 §5: `DPoP` for a token bound to the proof's key. */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  issued_token_type?: string;
}

export interface ExchangeHeaders {
  'content-type'?: string | undefined;
  authorization?: string | undefined;
  dpop?: string | string[] | undefined;
}

export type ExchangeResult =
  | { status: 200; body: TokenResponse; headers: Readonly<Record<string, string>> }
  | { status: number; body: { error: string; error_description: string }; headers: Readonly<Record<string, string>> };

export interface Exchange {
  /** Step 0, before the body is read: a refusal, or null to go on. */
  admit(url: string, clientAddress: string, log?: FastifyBaseLogger): ExchangeResult | null;
  exchange(body: unknown, headers: ExchangeHeaders, clientAddress: string, log?: FastifyBaseLogger): Promise<ExchangeResult>;
  /** A request the HTTP layer refused (a body too large, a malformed one): counted and recorded like any denial. */
  refuse(error: unknown, clientAddress: string, log?: FastifyBaseLogger): Promise<ExchangeResult>;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export function createExchange(deps: ExchangeDeps): Exchange {
  const recorder = createOutcomeRecorder(deps);
  const tokenEndpoint = `${deps.issuer}/oauth/token`;

  function admit(url: string, clientAddress: string, log = deps.logger): ExchangeResult | null {
    const verdict = deps.limiter.admit(deps.limiter.keyOf(clientAddress));
    // Over the budget already: refused here, without touching the store (a flood stays local).
    if (!verdict.allowed) return denied(tooMany('too many requests from this address', verdict.retryAfterS * 1000), newOutcome(), clientAddress, log);
    try {
      refuseQueryString(url);
      return null;
    } catch (error) {
      return denied(toOAuthError(error), newOutcome(), clientAddress, log);
    }
  }

  async function exchange(body: unknown, headers: ExchangeHeaders, clientAddress: string, log = deps.logger): Promise<ExchangeResult> {
    const startedAt = performance.now();
    const policy = deps.policy.current();
    const outcome = newOutcome();
    const addressKey = deps.limiter.keyOf(clientAddress);
    let counted = false;
    try {
      // 1. Parse.
      const params = formBody(headers['content-type'], body);
      const grant = grantFor(params);
      outcome.grant = grant.name;
      const request = grant.parse(params, { authorization: headers.authorization });
      outcome.audience = request.audience;
      if (request.intent !== undefined) outcome.intent = request.intent;
      const proofOfPossession = readPossession(headers.dpop, { tokenEndpoint, nowMs: outcome.atMs, nonces: deps.nonces });

      // 2. Authenticate. A bad DPoP proof is refused after, so that its refusal names the agent.
      const caller = await authenticate(grant, request, policy, outcome, log);
      const possession = proofOfPossession();
      const agent = caller.agent;
      const agentTier = Object.hasOwn(policy.policy.tiers, agent.tier) ? policy.policy.tiers[agent.tier] : undefined;
      if (agentTier) requirePossession(agentTier, possession);

      // 3. Replay and agent state, counting the budgets, in one round trip.
      const rateLimit = agentTier?.rateLimit;
      const state = await deps.store.checkMint({
        agentId: agent.id,
        replay: possession ? [...caller.replay, possession.replay] : caller.replay,
        address: { key: addressKey, max: deps.limiter.rate.max, windowMs: deps.limiter.rate.windowMs },
        ...(rateLimit ? { agentLimit: { max: rateLimit.requests, windowMs: rateLimit.perMs } } : {}),
        ...delegationChecks(caller),
      });
      counted = true;
      if (state.address) deps.limiter.learn(addressKey, state.address);
      if (possession && state.replayedIndex === caller.replay.length) throw possessionReplayed();
      guardReplay(caller, state, grant.refusals);
      guardPossessionEpoch(possession, state.epochMs);
      guardDelegation(caller, state, grant.refusals);
      const suspension = state.control.suspended ?? deps.keeper?.pendingSuspension(agent.id, state.epochMs) ?? null;
      const tier = guardAgentState(agent, policy, suspension, deps.clock(), grant.refusals);

      // 4. Budgets.
      guardBudgets(state, agent.id);

      // 5. Decide.
      const decision = decide(caller, agent, tier, request);
      outcome.intent = decision.intent.name;
      outcome.audience = decision.intent.audience;
      outcome.scopes = decision.scopes;

      // 6. Mint.
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
          ttlSeconds: lifetimeSeconds(decision.ttlMs, caller, issuedAtMs, grant),
          ...(caller.delegation ? { onBehalfOf: onBehalfOfClaims(caller.delegation) } : {}),
          ...(possession ? { boundToJkt: possession.jkt } : {}),
        },
        currentSigner(deps.signer),
      );
      outcome.jti = claims.jti;
      outcome.expiresAtMs = claims.exp * 1000;

      // 7. Record (the audit record of an issued token is written before the token leaves).
      await recorder.recordIssued(outcome, {
        attestationKind: caller.proof.kind,
        attestationIssuer: caller.proof.issuer,
        attestationSubject: caller.proof.subject,
        attestationSha256: caller.proof.tokenHash,
        policyVersion: policy.version,
      }, caller.delegation && delegationRecord(caller.delegation, decision));
      outcome.result = 'issued';
      outcome.durationSeconds = (performance.now() - startedAt) / 1000;
      recorder.report(outcome, 200, clientAddress, log);
      const tokenType = possession ? 'DPoP' : 'Bearer';
      const response: TokenResponse = grant.issuedTokenType === undefined
        ? { access_token: token, token_type: tokenType, expires_in: claims.exp - claims.iat, scope: claims.scope }
        : { access_token: token, token_type: tokenType, expires_in: claims.exp - claims.iat, scope: claims.scope, issued_token_type: grant.issuedTokenType };
      // RFC 6749 §5.1: the token response is never cached (the route adds no-store to every answer).
      return { status: 200, body: response, headers: nonceHeaders() };
    } catch (error) {
      delete outcome.jti;
      delete outcome.expiresAtMs;
      const refusal = counted ? toOAuthError(error) : await overBudgetOr(toOAuthError(error), addressKey);
      outcome.durationSeconds = (performance.now() - startedAt) / 1000;
      return denied(refusal, outcome, clientAddress, log);
    }
  }

  /** Counts a request refused before the mint check; the one that goes over the budget is told so. */
  async function overBudgetOr(error: OAuthError, addressKey: string): Promise<OAuthError> {
    const verdict = await deps.limiter.countRefused(addressKey);
    return verdict.allowed ? error : tooMany('too many requests from this address', verdict.retryAfterS * 1000);
  }

  function newOutcome(): ExchangeOutcome {
    return { atMs: deps.clock(), grant: 'unsupported', result: 'denied' };
  }

  async function authenticate(grant: Grant<GrantRequest>, request: GrantRequest, policy: CompiledPolicy, outcome: ExchangeOutcome, log: FastifyBaseLogger): Promise<Caller> {
    const auth = await grant.authenticate(request, { attestation: attestationContext(policy), ownToken });
    if (!auth.ok) {
      if (auth.claimedAgentId !== undefined) outcome.claimedAgentId = auth.claimedAgentId;
      if (auth.shadow) {
        deps.store
          .recordShadow({ issuer: auth.shadow.issuer, subject: auth.shadow.subject, claims: auth.shadow.claims, atMs: outcome.atMs })
          .catch((error: unknown) => log.warn({ err: error }, 'could not record a shadow agent'));
      }
      throw auth.error;
    }
    const { caller } = auth;
    outcome.agentId = caller.agent.id;
    outcome.tier = caller.agent.tier;
    outcome.attestationKind = caller.proof.kind;
    outcome.issuer = caller.proof.issuer;
    outcome.subject = caller.proof.subject;
    if (caller.delegation) outcome.onBehalfOf = { subject: caller.delegation.subject, subjectIssuer: caller.delegation.subjectIssuer, kind: caller.delegation.kind };
    return caller;
  }

  /** A token of ours presented back (a delegation chain), verified against our own ring. */
  function ownToken(token: string) {
    return verifyBrokerToken(token, { ring: deps.ring, issuer: deps.issuer, now: deps.clock() });
  }

  function attestationContext(policy: CompiledPolicy): AttestationContext {
    return { policy, now: deps.clock, stsIssuer: deps.issuer, tokenEndpoint, keys: deps.issuerKeys, cache: deps.verifiedTokens };
  }

  async function refuse(error: unknown, clientAddress: string, log = deps.logger): Promise<ExchangeResult> {
    const refusal = await overBudgetOr(toOAuthError(error), deps.limiter.keyOf(clientAddress));
    return denied(refusal, newOutcome(), clientAddress, log);
  }

  function denied(error: OAuthError, outcome: ExchangeOutcome, clientAddress: string, log: FastifyBaseLogger): ExchangeResult {
    outcome.result = 'denied';
    outcome.reason = (error.reason as DenialReason | undefined) ?? (error.status >= 500 ? 'unavailable' : 'bad_request');
    if (error.check) outcome.check = error.check;
    if (error.audit) outcome.refusalAudit = error.audit;
    if (error.status >= 500) log.warn({ err_code: error.code, reason: outcome.reason, detail: error.internal }, 'token request failed');
    else if (error.internal) log.info({ err_code: error.code, reason: outcome.reason, detail: error.internal }, 'token request refused');
    recorder.report(outcome, error.status, clientAddress, log);
    return { status: error.status, body: error.toJSON(), headers: deps.nonces && !error.headers['dpop-nonce'] ? { ...error.headers, ...nonceHeaders() } : error.headers };
  }

  /** RFC 9449 §8.2: with nonces on, every answer of the token endpoint gives the current one. */
  function nonceHeaders(): Readonly<Record<string, string>> {
    return deps.nonces ? { 'dpop-nonce': deps.nonces.current() } : NO_HEADERS;
  }

  return { admit, exchange, refuse };
}

