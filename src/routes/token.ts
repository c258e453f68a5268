/**
 * POST /oauth/token (RFC 6749 §3.2): token exchange (RFC 8693) and client credentials with
 * a JWT client assertion (RFC 7523 §2.2). The handler reads top to bottom: parse, rate limit
 * by address, authenticate, rate limit by agent, issue. The outcome of every request (issued
 * or denied, and why) goes to the audit trail and the observers once the response is sent.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AttestationContext } from '../attestation/index.js';
import type { BrokerContext, DenialReason, ExchangeOutcome } from '../context.js';
import { authenticateCaller } from '../exchange/authenticate.js';
import { issueToken } from '../exchange/issue-token.js';
import { parseTokenRequest, requestedGrant } from '../exchange/token-request.js';
import { newTrace, type ExchangeTrace } from '../exchange/trace.js';
import { NO_STORE, toOAuthError } from '../http/error-handler.js';
import { formBody, refuseQueryString } from '../http/form-body.js';
import type { TokenRateLimits } from '../rate-limit/index.js';
import type { KeyRing } from '../signing/index.js';

export interface TokenRouteOptions {
  ctx: BrokerContext;
  keyRing: KeyRing;
  limits: TokenRateLimits;
  attestation: () => AttestationContext;
  onReplay?: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    exchangeTrace?: ExchangeTrace;
  }
}

export async function tokenRoute(app: FastifyInstance, options: TokenRouteOptions): Promise<void> {
  const { ctx, keyRing, limits } = options;

  app.post('/oauth/token', {
    onRequest: async (request) => {
      request.exchangeTrace = newTrace();
      await traced(request.exchangeTrace, async () => {
        refuseQueryString(request.url);
        await limits.byAddress(request);
      });
    },
    onResponse: async (request, reply) => reportOutcome(ctx, request, reply),
    handler: async (request, reply) => {
      const trace = request.exchangeTrace ?? newTrace();
      const response = await traced(trace, async () => {
        const params = formBody(request.headers['content-type'], request.body);
        trace.grant = requestedGrant(params);
        const tokenRequest = parseTokenRequest(params, { authorization: request.headers.authorization });
        const attested = await authenticateCaller(tokenRequest, trace, { attestation: options.attestation(), store: ctx.store, logger: request.log });
        await limits.byAgent(request, attested.agent.id, ctx.policy.current().policy.tiers[attested.agent.tier]);
        return issueToken(tokenRequest, attested, trace, {
          issuer: ctx.config.issuer,
          clock: ctx.clock,
          store: ctx.store,
          policy: ctx.policy,
          keyRing,
          audit: ctx.audit,
          ...(options.onReplay ? { onReplay: options.onReplay } : {}),
        });
      });
      // RFC 6749 §5.1: the token response is never cached.
      return reply.headers(NO_STORE).send(response);
    },
  });
}

/** Run a step; on failure remember the fixed-vocabulary reason for audit and metrics. */
async function traced<T>(trace: ExchangeTrace, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const oauth = toOAuthError(error);
    trace.reason = (oauth.reason as DenialReason | undefined) ?? (oauth.status >= 500 ? 'unavailable' : 'bad_request');
    throw oauth;
  }
}

function reportOutcome(ctx: BrokerContext, request: FastifyRequest, reply: FastifyReply): void {
  const trace = request.exchangeTrace;
  if (!trace) return;
  const issued = reply.statusCode === 200;
  // Literal properties before the spread, never after: on Node 20's V8, `{ ...obj, extra }` gets a
  // new hidden class on every call, allocated in the old generation. Done per request, that was
  // two thirds of the broker's old-generation growth and brought a major GC every ~30 s at 1,500 req/s.
  const outcome: ExchangeOutcome = {
    atMs: ctx.clock(),
    result: issued ? 'issued' : 'denied',
    durationSeconds: reply.elapsedTime / 1000,
    ...trace,
    ...(issued ? {} : { reason: trace.reason ?? 'bad_request' }),
  };
  if (issued) {
    // Issue 2: the agent, intent and decision as structured fields; the jti, never the token.
    request.log.info({ agent: outcome.agentId, intent: outcome.intent, decision: 'issued', jti: outcome.jti, grant: outcome.grant }, 'token issued');
  } else {
    recordDenial(ctx, request, reply.statusCode, outcome);
  }
  if (outcome.agentId) {
    // Only the logger is kept for the batched write's failure: holding the request until its
    // batch is written made every request survive a young-generation GC.
    const log = request.log;
    ctx.store
      .recordActivity({ agentId: outcome.agentId, atMs: outcome.atMs, outcome: outcome.result, ...(outcome.reason ? { reason: outcome.reason } : {}) })
      .catch((error: unknown) => log.warn({ err: error }, 'could not record agent activity'));
  }
  for (const observer of ctx.observers) {
    try {
      observer.observe(outcome);
    } catch (error) {
      request.log.error({ err: error }, 'outcome observer failed');
    }
  }
}

function recordDenial(ctx: BrokerContext, request: FastifyRequest, status: number, outcome: ExchangeOutcome): void {
  request.log.info({ agent: outcome.agentId, intent: outcome.intent, decision: 'denied', reason: outcome.reason, grant: outcome.grant }, 'token request denied');
  try {
    ctx.audit.record('token_denied', {
      grant: outcome.grant,
      reason: outcome.reason,
      agent: outcome.agentId,
      claimed_agent: outcome.claimedAgentId,
      intent: outcome.intent,
      audience: outcome.audience,
      status,
      client_address: request.ip,
    });
  } catch (error) {
    request.log.error({ err: error }, 'audit trail not writable: a denial went unrecorded');
  }
}
