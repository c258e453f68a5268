/**
 * The names of fields that may carry a token, an assertion, a credential or key material. Code
 * never logs or audits such values (it logs a `jti`, a key id or a hash); this one list is the
 * second line of defence for a field added by mistake, from which both the app log's redaction
 * (src/logger.ts) and the audit trail's (src/audit/redact.ts) are derived.
 */
export const SECRET_FIELDS = [
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'subject_token',
  'actor_token',
  'client_assertion',
  'assertion',
  'client_secret',
  'secret',
  'password',
  'key',
  'private_key',
  'privateKey',
  'jwk',
  'd',
  'authorization',
  'cookie',
] as const;

/** What a redacted value is replaced with, in the log and in the audit trail. */
export const REDACTED = '[Redacted]';
