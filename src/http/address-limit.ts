/**
 * A limit per client address on one plugin's routes (introspection, revocation, the admin
 * API), on @fastify/rate-limit registered inside that plugin: it counts that plugin's routes
 * only and runs first (onRequest), before any credential is checked or body read. Shared by
 * every instance through Redis when a client is given, in-process otherwise. The address is
 * fastify's request.ip, which believes X-Forwarded-For only from STS_TRUST_PROXY addresses.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Rate } from '../config-values.js';
import { OAuthError } from '../errors.js';
import { redisWindowCounter } from './redis-window-counter.js';

export interface AddressLimitOptions {
  /** Names the counters: `sts:rl:<scope>:addr:<address>` in Redis. */
  scope: string;
  rate: Rate;
  redis?: Redis | Cluster | undefined;
}

/** IPv6 clients are bucketed by /64 (one subscriber), IPv4-mapped addresses as IPv4. */
export function clientBucket(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

export async function limitByAddress(app: FastifyInstance, options: AddressLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: options.rate.max,
    timeWindow: options.rate.windowMs,
    keyGenerator: (request) => `addr:${clientBucket(request)}`,
    skipOnError: false, // fail closed: no count, no answer
    ...(options.redis ? { store: redisWindowCounter(options.redis, `sts:rl:${options.scope}:`) } : {}),
    errorResponseBuilder: (_request, context) => tooManyRequests(context.ttl),
  });
}

/** RFC 6585 §4: 429 with Retry-After; RFC 6749 has no rate-limit code, so temporarily_unavailable as on the token endpoint. */
export function tooManyRequests(retryAfterMs: number, description = 'too many requests from this address'): OAuthError {
  return new OAuthError('temporarily_unavailable', description, {
    status: 429,
    reason: 'rate_limited',
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}
