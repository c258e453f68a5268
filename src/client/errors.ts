/**
 * The one error the token client throws. It carries the broker's OAuth `error`,
 * `error_description` and HTTP status (RFC 6749 §5.2), or a code of the client's own when the
 * broker gave no OAuth answer. Never a token: descriptions from the wire are cut to size and
 * anything shaped like a JWT in them is blanked.
 */
import { BrokerCallError } from '../discovery/index.js';

/** Codes the client itself uses when there is no OAuth error from the broker. */
export type ClientFailure = 'network_error' | 'invalid_response' | 'attestation_unavailable';

const MAX_DESCRIPTION = 300;
const JWT_SHAPED = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g;

export class TokenClientError extends Error {
  /** The OAuth error code from the broker (`invalid_request`, `unauthorized_client`, ...) or a ClientFailure. */
  readonly error: string;
  readonly errorDescription: string | undefined;
  /** The HTTP status of the broker's answer; undefined when there was none. */
  readonly status: number | undefined;
  /** What the broker's Retry-After asked for, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(error: string, description: string | undefined, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    const cleaned = description === undefined ? undefined : cleanDescription(description);
    super(`${error}${options.status === undefined ? '' : ` (HTTP ${options.status})`}${cleaned ? `: ${cleaned}` : ''}`,
      options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenClientError';
    this.error = cleanCode(error);
    this.errorDescription = cleaned;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth another attempt: no answer at all, a 5xx, or 429 (the broker said: later). */
  get retryable(): boolean {
    if (this.status === undefined) return this.error === 'network_error';
    return this.status === 429 || this.status >= 500;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, error: this.error, error_description: this.errorDescription, status: this.status };
  }
}

/** A discovery or transport failure, as the client reports it. */
export function fromBrokerCall(error: unknown): TokenClientError {
  if (error instanceof TokenClientError) return error;
  if (error instanceof BrokerCallError) {
    const code = error.kind === 'network' ? 'network_error' : error.status !== undefined && error.status >= 500 ? 'server_error' : 'invalid_response';
    return new TokenClientError(code, error.message, { ...(error.status === undefined ? {} : { status: error.status }), cause: error });
  }
  return new TokenClientError('invalid_response', error instanceof Error ? error.message : 'unexpected failure', { cause: error });
}

/** RFC 6749 §5.2 error codes are short printable ASCII; anything else is not echoed. */
function cleanCode(code: string): string {
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(code) ? code : 'invalid_response';
}

function cleanDescription(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, ' ').replace(JWT_SHAPED, '[redacted]');
  return printable.length > MAX_DESCRIPTION ? `${printable.slice(0, MAX_DESCRIPTION)}...` : printable;
}
