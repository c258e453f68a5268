/**
 * Every error a client can see is an OAuthError with an RFC 6749 §5.2 code (or one
 * registered by a later RFC). `internal` is for the log only and never reaches the client.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target' // RFC 8707 §2
  | 'invalid_token' // RFC 6750 §3.1
  | 'insufficient_scope' // RFC 6750 §3.1
  | 'invalid_dpop_proof' // RFC 9449 §5, §7.1
  | 'use_dpop_nonce' // RFC 9449 §8
  | 'access_denied'
  | 'rate_limited'
  | 'temporarily_unavailable'
  | 'server_error'
  | 'not_found';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  access_denied: 403,
  rate_limited: 429,
  temporarily_unavailable: 503,
  server_error: 500,
  not_found: 404,
};

/** Seconds a 503 asks the caller to wait when the cause gives no better figure. */
const DEFAULT_RETRY_AFTER_S = '1';

interface OAuthErrorOptions {
  status?: number;
  /** Logged, never sent. */
  internal?: string;
  /** A small fixed vocabulary used for metrics and audit (never request input). */
  reason?: string;
  /** Which check refused, within the reason (a fixed vocabulary too): audited, never sent. */
  check?: string;
  /** Facts of the decision for the refusal's audit record (from verified input only), never sent. */
  audit?: Readonly<Record<string, unknown>>;
  headers?: Record<string, string>;
}

export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly status: number;
  readonly description: string;
  readonly internal: string | undefined;
  readonly reason: string | undefined;
  readonly check: string | undefined;
  readonly audit: Readonly<Record<string, unknown>> | undefined;
  readonly headers: Record<string, string>;

  constructor(code: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
    this.code = code;
    this.description = toErrorDescriptionCharset(description);
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.internal = options.internal;
    this.reason = options.reason;
    this.check = options.check;
    this.audit = options.audit;
    // RFC 9110 §10.2.3: every 503 says when to come back; callers that know better set their own.
    this.headers = this.status === 503 && options.headers?.['retry-after'] === undefined
      ? { ...options.headers, 'retry-after': DEFAULT_RETRY_AFTER_S }
      : options.headers ?? {};
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** The store (Redis) cannot be reached or did not answer in time: fail closed. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E. Section signs
 * become the word, anything else outside the set a '?', so no text can break the rule.
 */
function toErrorDescriptionCharset(text: string): string {
  return text.replace(/§\s*/g, 'section ').replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
}
