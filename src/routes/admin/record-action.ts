/**
 * Audit an operator's action with who did it (id, role, how they signed in) and why.
 * Protective actions (suspend, revoke, rotate) are never held back by a broken audit trail:
 * at 3 a.m. cutting an agent off matters more; the event then goes to the app log at error
 * level and the reply says `audited: false`. Actions that restore access check the trail first.
 */
import type { FastifyRequest } from 'fastify';
import type { OperatorIdentity } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';

export function recordAction(
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
  try {
    ctx.audit.record(event, data);
    return true;
  } catch (error) {
    ctx.logger.error({ audit_event: event, ...data, err: (error as Error).message }, 'admin action applied but the audit trail cannot be written');
    return false;
  }
}

/** Before an action that restores access: no unrecorded grants of access. */
export function requireAuditTrail(ctx: BrokerContext): void {
  if (!ctx.audit.healthy() && !ctx.audit.probe()) {
    throw new OAuthError('temporarily_unavailable', 'the audit trail cannot be written; try again', { reason: 'audit_unavailable' });
  }
}
