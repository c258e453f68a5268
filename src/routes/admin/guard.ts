/**
 * Every admin route runs this after the address limit and before its body is even read
 * (preParsing): an address in backoff is refused (429, its credential is not looked at); then
 * the operator is authenticated (401 + WWW-Authenticate, RFC 6750 §3) and the role checked
 * (403 insufficient_scope). Failures reach the audit trail without any credential material:
 * failed authentications aggregated per address (auth-failure-audit.ts), role refusals each.
 */
import type { FastifyRequest } from 'fastify';
import { authenticateOperator, refusalAfterCheck, roleAllows, type AuthBackoff, type OperatorIdentity, type OperatorKeySets } from '../../admin/index.js';
import type { BrokerContext } from '../../context.js';
import { clientBucket, insufficientRole, invalidToken, tooManyRequests } from '../../http/index.js';
import type { Role } from '../../policy/types.js';
import type { AuthFailureAudit } from './auth-failure-audit.js';

export interface OperatorGuard {
  require(role: Role): (request: FastifyRequest) => Promise<void>;
  /** The authenticated operator of a request that passed `require`. */
  operator(request: FastifyRequest): OperatorIdentity & { role: Role };
}

export interface OperatorGuardDeps {
  keySets: OperatorKeySets;
  backoff: AuthBackoff;
  failures: AuthFailureAudit;
}

export function createOperatorGuard(ctx: BrokerContext, deps: OperatorGuardDeps): OperatorGuard {
  const operators = new WeakMap<FastifyRequest, OperatorIdentity & { role: Role }>();
  const where = (request: FastifyRequest) => ({ remote_address: request.ip, method: request.method, path: request.routeOptions.url });

  /** Refused without the credential counting: not checked, or checked while the refusals began. */
  const refused = (address: string, refusedForMs: number) => {
    deps.failures.refused(address);
    return tooManyRequests(refusedForMs, 'too many failed operator authentications from this address; retry later');
  };

  const authenticate = async (request: FastifyRequest): Promise<OperatorIdentity> => {
    const address = clientBucket(request);
    const refusedForMs = await deps.backoff.refusedForMs(address);
    if (refusedForMs > 0) throw refused(address, refusedForMs);
    const result = await authenticateOperator(request.headers.authorization, ctx.policy.current(), deps.keySets, ctx.clock());
    // A request without any credential guesses nothing: it does not count towards the backoff.
    const since = await refusalAfterCheck(deps.backoff, address, result.ok ? 'succeeded' : result.reason === 'no_credential' ? 'not_counted' : 'failed');
    if (since > 0) throw refused(address, since);
    if (result.ok) return result.identity;
    deps.failures.failed(address, result.reason, where(request));
    throw invalidToken(result.reason === 'no_credential' ? 'operator credential required' : 'invalid operator credential', result.reason);
  };

  return {
    require(role) {
      return async (request) => {
        const identity = await authenticate(request);
        if (identity.role === null || !roleAllows(identity.role, role)) {
          // Refusing the caller does not depend on the audit trail; the app log keeps the event.
          ctx.audit.tryRecord('operator_forbidden', { operator: identity.id, role: identity.role, required_role: role, ...where(request) });
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
