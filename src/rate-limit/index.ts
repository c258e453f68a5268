/**
 * Token endpoint rate limits on @fastify/rate-limit's store (Redis when configured, so every
 * instance shares one count): per client address before authentication, per agent after it.
 * The agent key is the verified agent id, never an unverified claim. The client address is
 * fastify's request.ip, which honours X-Forwarded-For only from STS_TRUST_PROXY addresses.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Rate } from '../config-values.js';
import { OAuthError, StoreUnavailableError } from '../errors.js';
import type { Tier } from '../policy/types.js';

export interface TokenRateLimits {
  /** Throws 429 when the caller's address is over its limit. */
  byAddress(request: FastifyRequest): Promise<void>;
  /** Throws 429 when the (verified) agent is over its tier's limit; no-op when the tier sets none. */
  byAgent(request: FastifyRequest, agentId: string, tier: Tier | undefined): Promise<void>;
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;

declare module 'fastify' {
  interface FastifyRequest {
    rateLimitAgent?: { id: string; tier: Tier };
  }
}

export async function registerTokenRateLimits(app: FastifyInstance, options: { address: Rate; redis?: Redis | Cluster }): Promise<TokenRateLimits> {
  await app.register(rateLimit, {
    global: false,
    nameSpace: 'sts:rl:',
    ...(options.redis ? { redis: options.redis } : {}),
    skipOnError: false, // fail closed: no store, no token
  });
  const create = (app as unknown as { createRateLimit(options: object): Limiter }).createRateLimit;
  const addressLimiter = create({
    max: options.address.max,
    timeWindow: options.address.windowMs,
    // IPv6 clients are bucketed by /64 (one subscriber), IPv4-mapped addresses as IPv4.
    keyGenerator: (request: FastifyRequest) => `addr:${normalizeIP(request.ip, 64)}`,
  });
  const agentLimiter = create({
    keyGenerator: (request: FastifyRequest) => `agent:${request.rateLimitAgent?.id ?? ''}`,
    allowList: (request: FastifyRequest) => !request.rateLimitAgent?.tier.rateLimit,
    max: (request: FastifyRequest) => request.rateLimitAgent?.tier.rateLimit?.requests ?? 1,
    timeWindow: (request: FastifyRequest) => request.rateLimitAgent?.tier.rateLimit?.perMs ?? 60_000,
  });
  return {
    async byAddress(request) {
      enforce(await bounded(addressLimiter(request)), 'too many requests from this address');
    },
    async byAgent(request, agentId, tier) {
      if (!tier?.rateLimit) return;
      request.rateLimitAgent = { id: agentId, tier };
      enforce(await bounded(agentLimiter(request)), `too many token requests for agent ${agentId}`);
    },
  };
}

/** The limiter talks to Redis directly: any failure, or no answer in time, is the store being unavailable (fail closed). */
async function bounded<T>(call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError('rate-limit store did not answer in time')), LIMITER_DEADLINE_MS);
  });
  try {
    return await Promise.race([call, deadline]);
  } catch (error) {
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`rate-limit store failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

const LIMITER_DEADLINE_MS = 1_500;

function enforce(result: { isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }, description: string): void {
  if (result.isAllowed || !result.isExceeded) return;
  const retryAfter = String(Math.max(1, result.ttlInSeconds ?? 1));
  // RFC 6749 has no rate-limit code; temporarily_unavailable (§5.2 family) with HTTP 429 and
  // Retry-After (RFC 6585 §4) tells clients exactly when to come back.
  throw new OAuthError('temporarily_unavailable', description, {
    status: 429,
    reason: 'rate_limited',
    headers: { 'retry-after': retryAfter },
  });
}
