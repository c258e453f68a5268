/**
 * Audit an operator's action with who did it (id, role, how they signed in) and why.
 * Protective actions (suspend, revoke, rotate) are never held back by a broken audit trail:
 * at 3 a.m. cutting an agent off matters more; the event then goes to the app log at error
 * level and the reply says `audited: false`. Actions that restore access check the trail first.
 */
import type { FastifyRequest } from 'fastify';
import type { OperatorIdentity } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError, StoreUnavailableError } from '../../errors.js';

function recordAction(
  ctx: BrokerContext,
  request: FastifyRequest,
  operator: OperatorIdentity,
  event: string,
  fields: Record<string, unknown>,
): boolean {
  const data = {
    ...fields,
    operator: operator.id,
    operator_role: operator.role,
    operator_auth: operator.method,
    ...(operator.issuer ? { operator_issuer: operator.issuer } : {}),
    ...(operator.email ? { operator_email: operator.email } : {}),
    remote_address: request.ip,
  };
  return ctx.audit.tryRecord(event, data);
}

/**
 * Apply an action's store writes, then audit it. A write the store did not confirm (a timeout,
 * a lost connection) may still be in flight and land once the store answers, so the attempt is
 * audited too, as `outcome: unconfirmed` with who and why, and the operator is told to check
 * the state before retrying instead of being told plainly that nothing happened.
 *
 * `announce` tells the receivers (a security event) about an action that ends trust in tokens.
 * It runs once the write is applied, and also when its outcome is unknown: the write may land
 * later, and a change in force at the broker but never sent would leave the verifiers accepting
 * tokens the broker refuses. Announcing a change that did not land only makes verifiers refuse
 * tokens the broker would have accepted (fail-closed; the agents get new ones). Actions that
 * restore access pass no `announce`: nothing about them is ever sent on a guess.
 */
export async function applyAction<T>(
  ctx: BrokerContext,
  request: FastifyRequest,
  operator: OperatorIdentity,
  event: string,
  fields: Record<string, unknown>,
  write: () => Promise<T>,
  announce?: (result: T | undefined) => void,
): Promise<{ result: T; audited: boolean }> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    // Only a store that did not answer leaves the outcome open; any other error means it failed.
    const unconfirmed = error instanceof StoreUnavailableError;
    recordAction(ctx, request, operator, event, { ...fields, outcome: unconfirmed ? 'unconfirmed' : 'failed' });
    if (!unconfirmed) throw error;
    announce?.(undefined);
    throw new OAuthError(
      'temporarily_unavailable',
      'the store did not confirm the change; it may still take effect when the store answers: check the current state before retrying',
      { reason: 'unavailable', internal: error.message },
    );
  }
  announce?.(result);
  return { result, audited: recordAction(ctx, request, operator, event, { ...fields, outcome: 'applied' }) };
}

/** Before an action that restores access: no unrecorded grants of access. */
export function requireAuditTrail(ctx: BrokerContext): void {
  if (!ctx.audit.healthy() && !ctx.audit.probe()) {
    throw new OAuthError('temporarily_unavailable', 'the audit trail cannot be written; try again', { reason: 'audit_unavailable' });
  }
}
