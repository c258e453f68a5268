/**
 * One defence against guessed operator credentials for the whole operator plane: the admin
 * API and the console's sign-in share the backoff (per client address, across instances when
 * Redis is there) and the aggregated audit of failures, so an address cannot double its
 * guesses by alternating between them and a flood writes a few audit lines, not one each.
 * The console's CSRF refusals (which need no credential at all) are summarized alike.
 */
import type { Cluster, Redis } from 'ioredis';
import { createMemoryAuthBackoff, createRedisAuthBackoff, OPERATOR_AUTH_BACKOFF, type AuthBackoff, type BackoffSchedule } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { createAuthFailureAudit, type AuthFailureAudit, type FailureEvents } from './auth-failure-audit.js';

/** Summaries of failed authentications that no later request prompted are written at least this often. */
const SUMMARY_SWEEP_MS = 60_000;
const CSRF_EVENTS: FailureEvents = { first: 'console_csrf_refused', summary: 'console_csrf_refusals' };

export interface OperatorAuthDefense {
  backoff: AuthBackoff;
  failures: AuthFailureAudit;
  /** Console forms refused as cross-site, by reason (`cross_site`, `bad_token`). */
  csrfRefusals: AuthFailureAudit;
  /** Stops the summary sweep and writes every open summary (at shutdown). */
  close(): void;
}

export function createOperatorAuthDefense(ctx: Pick<BrokerContext, 'audit' | 'clock'>, redis?: Redis | Cluster, schedule: BackoffSchedule = OPERATOR_AUTH_BACKOFF): OperatorAuthDefense {
  const failures = createAuthFailureAudit(ctx.audit, ctx.clock, schedule.windowMs);
  const csrfRefusals = createAuthFailureAudit(ctx.audit, ctx.clock, schedule.windowMs, { events: CSRF_EVENTS });
  const sweeper = setInterval(() => {
    failures.sweep();
    csrfRefusals.sweep();
  }, SUMMARY_SWEEP_MS);
  sweeper.unref();
  return {
    backoff: redis ? createRedisAuthBackoff(redis, schedule) : createMemoryAuthBackoff(ctx.clock, schedule),
    failures,
    csrfRefusals,
    close() {
      clearInterval(sweeper);
      failures.sweep(true);
      csrfRefusals.sweep(true);
    },
  };
}
