/**
 * Revoking everything agents hold on behalf of one person (delegated tokens, RFC 8693): every
 * token issued for the person at or before now (plus the skew between instances) is inactive
 * at introspection on every instance, and no agent may act further on an authority the person
 * granted before it. A person is named by their identity provider and subject.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { OperatorGuard } from './guard.js';
import { applyAction } from './record-action.js';
import { Reason } from './schemas.js';

/** Clock skew allowed between broker instances when revoking everything a person granted. */
const REVOCATION_SKEW_MS = 5_000;

const PersonRevokeBody = Type.Object(
  { issuer: Type.String({ minLength: 1, maxLength: 1024 }), subject: Type.String({ minLength: 1, maxLength: 1024 }), reason: Reason },
  { additionalProperties: false },
);
type PersonRevokeBody = Static<typeof PersonRevokeBody>;

const PersonRevokeReply = Type.Object({
  issuer: Type.String(),
  subject: Type.String(),
  tokens_revoked_before: Type.String(),
  audited: Type.Boolean(),
});

export function registerPersonActions(app: FastifyInstance, ctx: BrokerContext, guard: OperatorGuard): void {
  app.post('/people/revoke', {
    onRequest: guard.require('operator'),
    schema: { body: PersonRevokeBody, response: { 200: PersonRevokeReply } },
  }, async (request) => {
    const operator = guard.operator(request);
    const { issuer, subject, reason } = request.body as PersonRevokeBody;
    if (!ctx.policy.current().userIssuersByIss.has(issuer)) {
      throw new OAuthError('invalid_request', 'issuer is not one of the policy\'s user_issuers');
    }
    const atMs = ctx.clock();
    const beforeMs = atMs + REVOCATION_SKEW_MS;
    const { audited } = await applyAction(ctx, request, operator, 'person_tokens_revoked', { person_issuer: issuer, person: subject, reason, tokens_revoked_before: beforeMs },
      () => ctx.store.revokePersonTokens({ issuer, subject }, beforeMs),
      () => ctx.securityEvents.emit({ kind: 'person_revoked', issuer, subject, atMs, initiator: 'admin' }));
    ctx.onRevoked('person');
    return { issuer, subject, tokens_revoked_before: new Date(beforeMs).toISOString(), audited };
  });
}
