/**
 * Every admin route runs this before its body is even parsed: authenticate the operator
 * (401 + WWW-Authenticate, RFC 6750 §3), then check the role (403 insufficient_scope).
 * Each failure is an audit event, without any credential material.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { authenticateOperator, roleAllows, type OperatorIdentity, type OperatorKeySets } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { insufficientRole, invalidToken } from '../../http/index.js';
import type { Role } from '../../policy/types.js';

export interface OperatorGuard {
  require(role: Role): onRequestAsyncHookHandler;
  /** The authenticated operator of a request that passed `require`. */
  operator(request: FastifyRequest): OperatorIdentity & { role: Role };
}

export function createOperatorGuard(ctx: BrokerContext, keySets: OperatorKeySets): OperatorGuard {
  const operators = new WeakMap<FastifyRequest, OperatorIdentity & { role: Role }>();

  // Refusing the caller does not depend on the audit trail; the app log keeps the event.
  const recordFailure = (event: string, request: FastifyRequest, fields: Record<string, unknown>): void => {
    ctx.audit.tryRecord(event, { ...fields, remote_address: request.ip, method: request.method, path: request.routeOptions.url });
  };

  return {
    require(role) {
      return async (request) => {
        const result = await authenticateOperator(request.headers.authorization, ctx.policy.current(), keySets, ctx.clock());
        if (!result.ok) {
          recordFailure('operator_auth_failed', request, { reason: result.reason });
          const description = result.reason === 'no_credential' ? 'operator credential required' : 'invalid operator credential';
          throw invalidToken(description, result.reason);
        }
        const { identity } = result;
        if (identity.role === null || !roleAllows(identity.role, role)) {
          recordFailure('operator_forbidden', request, { operator: identity.id, role: identity.role, required_role: role });
          throw insufficientRole(role);
        }
        operators.set(request, identity as OperatorIdentity & { role: Role });
      };
    },
    operator(request) {
      const identity = operators.get(request);
      if (!identity) throw new Error('admin route without the operator guard');
      return identity;
    },
  };
}
