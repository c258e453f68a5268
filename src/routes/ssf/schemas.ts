/** Request bodies of the Shared Signals endpoints (SSF §8.1, RFC 8936 §2.4), bounded. */
import { Type, type Static } from '@sinclair/typebox';

const StreamId = Type.String({ minLength: 1, maxLength: 64 });
const Uri = Type.String({ minLength: 1, maxLength: 2_048 });
const Jti = Type.String({ minLength: 1, maxLength: 128 });

export const StreamConfigBody = Type.Object({
  stream_id: Type.Optional(StreamId),
  delivery: Type.Optional(Type.Object({
    method: Type.String({ minLength: 1, maxLength: 256 }),
    endpoint_url: Type.Optional(Uri),
    authorization_header: Type.Optional(Type.String({ maxLength: 4_096 })),
  }, { additionalProperties: false })),
  events_requested: Type.Optional(Type.Array(Uri, { maxItems: 32 })),
  description: Type.Optional(Type.String({ maxLength: 256 })),
  // Transmitter-supplied: accepted only when they match (SSF §8.1.1.3).
  iss: Type.Optional(Uri),
  aud: Type.Optional(Type.Union([Uri, Type.Array(Uri, { maxItems: 8 })])),
  events_supported: Type.Optional(Type.Array(Uri, { maxItems: 32 })),
  events_delivered: Type.Optional(Type.Array(Uri, { maxItems: 32 })),
  min_verification_interval: Type.Optional(Type.Integer()),
  inactivity_timeout: Type.Optional(Type.Integer()),
}, { additionalProperties: false });
export type StreamConfigBody = Static<typeof StreamConfigBody>;

export const StreamIdQuery = Type.Object({ stream_id: Type.Optional(StreamId) }, { additionalProperties: false });
export type StreamIdQuery = Static<typeof StreamIdQuery>;

export const StatusBody = Type.Object({
  stream_id: StreamId,
  status: Type.Union([Type.Literal('enabled'), Type.Literal('paused'), Type.Literal('disabled')]),
  reason: Type.Optional(Type.String({ maxLength: 256 })),
}, { additionalProperties: false });
export type StatusBody = Static<typeof StatusBody>;

export const SubjectBody = Type.Object({
  stream_id: StreamId,
  subject: Type.Object({ format: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: Type.Unknown(), maxProperties: 16 }),
  verified: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type SubjectBody = Static<typeof SubjectBody>;

export const VerifyBody = Type.Object({
  stream_id: StreamId,
  state: Type.Optional(Type.String({ maxLength: 1_024 })),
}, { additionalProperties: false });
export type VerifyBody = Static<typeof VerifyBody>;

export const PollBody = Type.Object({
  ack: Type.Optional(Type.Array(Jti, { maxItems: 500 })),
  setErrs: Type.Optional(Type.Record(Jti, Type.Object({
    err: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 1_024 })),
  }), { maxProperties: 100 })),
  maxEvents: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
  returnImmediately: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type PollBody = Static<typeof PollBody>;

export const PollParams = Type.Object({ stream_id: StreamId });
