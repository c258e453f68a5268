/** JSON schemas of the admin API (the response schemas are also the output filters). */
import { Type, type Static } from '@sinclair/typebox';
import { AGENT_STATES, type AgentState } from '../../policy/index.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Strings = Type.Array(Type.String());
const AgentIdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
export const Reason = Type.String({ minLength: 1, maxLength: 500 });
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

const Suspension = Type.Union([Type.Object({ at: Type.String(), by: Type.String(), reason: Type.String() }), Type.Null()]);

export const InventoryRowSchema = Type.Object({
  id: Type.String(),
  owner: Type.String(),
  owner_active: Type.Boolean(),
  tier: Type.String(),
  status: Type.String(),
  state: Type.String(),
  blocked_by: Nullable(Type.String()),
  orphaned: Type.Boolean(),
  created_by: Type.String(),
  approved_by: Nullable(Type.String()),
  reviewed_at: Type.String(),
  review_due_at: Type.String(),
  review_overdue: Type.Boolean(),
  review_due_soon: Type.Boolean(),
  intents: Strings,
  audiences: Strings,
  credential_kinds: Strings,
  issuers: Strings,
  suspension: Suspension,
  tokens_revoked_before: Nullable(Type.String()),
  last_seen_at: Nullable(Type.String()),
  issued_24h: Type.Integer(),
  denied_24h: Type.Integer(),
  acts_for_people: Type.Boolean(),
  serves: Type.Array(Type.String()),
  people_24h: Type.Integer(),
});

export const ListAgentsQuery = Type.Object(
  {
    orphaned: Type.Optional(Bool),
    review_overdue: Type.Optional(Bool),
    review_due_soon: Type.Optional(Bool),
    refused: Type.Optional(Bool),
    state: Type.Optional(Type.Unsafe<AgentState>({ type: 'string', enum: [...AGENT_STATES] })),
    owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    tier: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

export const AgentParams = AgentIdParam;

export const AgentDetail = Type.Object({
  agent: InventoryRowSchema,
  description: Type.Optional(Type.String()),
  intents: Type.Array(Type.Object({ name: Type.String(), audience: Type.String(), scopes: Strings, max_ttl_seconds: Type.Optional(Type.Integer()) })),
  attestation: Type.Array(
    Type.Object({ kind: Type.String(), issuer: Type.Optional(Type.String()), subject: Type.Optional(Type.String()), key_ids: Type.Optional(Strings) }),
  ),
  recent_denials: Type.Array(Type.Object({ at: Type.String(), reason: Type.String() })),
});

export const ShadowList = Type.Object({
  discovered: Type.Array(
    Type.Object({
      issuer: Type.String(),
      subject: Type.String(),
      first_seen_at: Type.String(),
      last_seen_at: Type.String(),
      attempts: Type.Integer(),
      claims: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export const AuditQuery = Type.Object(
  {
    agent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    since: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export const AuditList = Type.Object({
  records: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Type.String(),
      event: Type.String(),
      agent: Type.Optional(Type.String()),
      data: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export const OptionalReasonBody = Type.Union([Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }), Type.Null()]);

export const AgentActionReply = Type.Object({
  agent: Type.String(),
  state: Type.String(),
  blocked_by: Nullable(Type.String()),
  suspension: Suspension,
  tokens_revoked_before: Nullable(Type.String()),
  audited: Type.Boolean(),
});

export const TokenRevokeBody = Type.Object(
  {
    jti: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384 })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const TokenRevokeReply = Type.Object({
  jti: Type.String(),
  revoked_until: Type.String(),
  agent: Nullable(Type.String()),
  /** False when no recently issued token has this jti (it is revoked anyway). */
  known: Type.Boolean(),
  audited: Type.Boolean(),
});

export const RotateBody = Type.Union([
  Type.Object({ compromised: Type.Optional(Type.Boolean()), reason: Type.Optional(Reason) }, { additionalProperties: false }),
  Type.Null(),
]);

export const RotateReply = Type.Object({
  activated_kid: Type.String(),
  retired_kid: Nullable(Type.String()),
  compromised_kid: Nullable(Type.String()),
  audited: Type.Boolean(),
});


export const CredentialsQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
    unused_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type CredentialsQuery = Static<typeof CredentialsQuery>;

const ScopeToken = Type.String({ minLength: 1, maxLength: 256 });
export const ExplainBody = Type.Object(
  {
    agent: Type.String({ minLength: 1, maxLength: 256 }),
    audience: Type.String({ minLength: 1, maxLength: 2048 }),
    intent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Space-separated (RFC 6749 §3.3) or a list. */
    scope: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Array(ScopeToken, { maxItems: 100 })])),
    grant: Type.Optional(Type.Union([Type.Literal('token_exchange'), Type.Literal('client_credentials')])),
    at: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    /** Whether the request would carry a DPoP proof (RFC 9449); absent: not said. */
    dpop: Type.Optional(Type.Boolean()),
    /** The request acts for a person (RFC 8693): the scopes their token carries, the chain's depth, its remaining life. */
    on_behalf_of: Type.Optional(Type.Object(
      {
        scope: Type.Union([Type.String({ maxLength: 4096 }), Type.Array(ScopeToken, { maxItems: 100 })]),
        depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
        expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
      },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
export type ExplainBody = Static<typeof ExplainBody>;
