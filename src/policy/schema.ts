/**
 * The raw YAML shape of a policy file (TypeBox, checked by ajv). It fixes types,
 * required fields and known keys (an unknown key is an error, so typos are caught).
 * Value formats (durations, dates, scopes, ids) and cross-references are checked
 * afterwards in the validate-*.ts files, which give friendlier messages.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;
const Text = (max = 512) => Type.String({ minLength: 1, maxLength: max });
const List = <T extends TSchema>(item: T, maxItems = 1000) => Type.Array(item, { maxItems });

/** A string enum as plain JSON Schema `enum` (one readable ajv error instead of one per union branch). */
const OneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

export const RoleSchema = OneOf(['auditor', 'operator', 'admin'] as const);

/** A JWK: only `kty` is required here; public-only and importability are checked in keys.ts. */
const Jwk = Type.Object({ kty: Type.String() }, { additionalProperties: true });

export const OwnerSchema = Type.Object(
  { id: Text(256), contact: Type.Optional(Text()), active: Type.Optional(Type.Boolean()) },
  Strict,
);

const AnomalyRuleSchema = Type.Object(
  {
    action: Type.Optional(OneOf(['alert', 'suspend'] as const)),
    after: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    within: Type.Optional(Type.String()),
  },
  Strict,
);

export const TierSchema = Type.Object(
  {
    description: Type.Optional(Text(2048)),
    scopes: List(Text(256), 200),
    max_ttl: Type.String(),
    review_every: Type.String(),
    /** The oldest an agent's own key may be (by its declared rotated_at) before the credential audit flags it. */
    key_max_age: Type.Optional(Type.String()),
    rate_limit: Type.Optional(
      Type.Object({ requests: Type.Integer({ minimum: 1, maximum: 1_000_000 }), per: Type.String() }, Strict),
    ),
    /** How many agents may stand between a person (or agent) and a token: 1 is person -> agent. */
    max_delegation_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    /** `dpop`: tokens of this tier are issued only bound to the agent's key (RFC 9449). */
    sender_constraint: Type.Optional(OneOf(['none', 'dpop'] as const)),
    anomalies: Type.Optional(
      Type.Object(
        {
          out_of_scope: Type.Optional(AnomalyRuleSchema),
          volume: Type.Optional(AnomalyRuleSchema),
          novelty: Type.Optional(AnomalyRuleSchema),
          attestation_failure: Type.Optional(AnomalyRuleSchema),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

const IssuerCommon = {
  issuer: Text(1024),
  jwks_uri: Type.Optional(Text(2048)),
  jwks_file: Type.Optional(Text(1024)),
  audience: Text(1024),
  algorithms: List(Type.String(), 20),
};

export const IssuerSchema = Type.Object(
  {
    ...IssuerCommon,
    max_age: Type.Optional(Type.String()),
    /** A bearer token file sent with every fetch of this issuer's jwks_uri (a Kubernetes API server serves its keys only to authenticated callers). */
    jwks_token_file: Type.Optional(Text(1024)),
    single_use: Type.Optional(Type.Boolean()),
    exclusive_audience: Type.Optional(Type.Boolean()),
  },
  Strict,
);

/** Identity providers of people: whose tokens an agent may present when it acts for a person. */
export const UserIssuerSchema = Type.Object(
  {
    ...IssuerCommon,
    max_age: Type.Optional(Type.String()),
    /** Where the person's delegable scopes are: `scope` (space-delimited, RFC 9068 §2.2.3) or `scp` (an array). */
    scope_claim: Type.Optional(OneOf(['scope', 'scp'] as const)),
  },
  Strict,
);

/** One shape for both kinds of entry (issuer or keys) so errors stay readable; exclusivity is checked later. */
const AttestationSchema = Type.Object(
  {
    issuer: Type.Optional(Text(1024)),
    subject: Type.Optional(Text(1024)),
    claims: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    keys: Type.Optional(
      Type.Object(
        {
          jwks_file: Type.Optional(Text(1024)),
          keys: Type.Optional(List(Jwk, 50)),
          /** When the key pair was last rotated (ISO 8601): the credential audit compares it with the tier's key_max_age. */
          rotated_at: Type.Optional(Type.String()),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

const IntentSchema = Type.Object(
  {
    name: Text(128),
    description: Type.Optional(Text(2048)),
    audience: Text(1024),
    scopes: List(Text(256), 200),
    max_ttl: Type.Optional(Type.String()),
    /** Whether the intent is used for a person (RFC 8693 delegation): never, optionally, or always. */
    on_behalf_of: Type.Optional(OneOf(['forbidden', 'allowed', 'required'] as const)),
  },
  Strict,
);

export const AgentSchema = Type.Object(
  {
    id: Text(128),
    description: Type.Optional(Text(2048)),
    owner: Text(256),
    tier: Text(128),
    created_by: Text(256),
    approved_by: Type.Optional(Text(256)),
    reviewed_at: Type.String(),
    status: Type.Optional(OneOf(['active', 'retired'] as const)),
    attestation: List(AttestationSchema, 50),
    intents: Type.Optional(List(IntentSchema, 200)),
    /** For a resource server: the audiences whose tokens it may introspect (RFC 7662 §4). */
    introspects: Type.Optional(List(Text(1024), 200)),
    /** The audiences at which this agent receives delegated tokens it may exchange onward. */
    serves: Type.Optional(List(Text(1024), 200)),
  },
  Strict,
);

export const OperatorSchema = Type.Object({ id: Text(256), role: RoleSchema, key_sha256: Type.String() }, Strict);

export const OperatorIssuerSchema = Type.Object(
  { ...IssuerCommon, role_claim: Text(256), roles: Type.Record(Type.String(), RoleSchema) },
  Strict,
);

export const PolicySchema = Type.Object(
  {
    owners: List(OwnerSchema),
    tiers: Type.Record(Type.String(), TierSchema),
    issuers: Type.Optional(List(IssuerSchema, 100)),
    user_issuers: Type.Optional(List(UserIssuerSchema, 100)),
    agents: List(AgentSchema, 10_000),
    operators: Type.Optional(List(OperatorSchema, 1000)),
    operator_issuers: Type.Optional(List(OperatorIssuerSchema, 20)),
  },
  Strict,
);

export type RawOwner = Static<typeof OwnerSchema>;
export type RawTier = Static<typeof TierSchema>;
export type RawIssuer = Static<typeof IssuerSchema>;
export type RawUserIssuer = Static<typeof UserIssuerSchema>;
export type RawAgent = Static<typeof AgentSchema>;
export type RawAttestation = Static<typeof AttestationSchema>;
export type RawIntent = Static<typeof IntentSchema>;
export type RawOperator = Static<typeof OperatorSchema>;
export type RawOperatorIssuer = Static<typeof OperatorIssuerSchema>;
