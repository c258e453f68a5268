/**
 * An access token as the client hands it out. The token string is `value`, which is not
 * enumerable: logging, inspecting or JSON-serialising the object shows what it is for and
 * when it expires, never the token itself.
 */
import { inspect } from 'node:util';

export interface AccessTokenFields {
  /** `Bearer`, or `DPoP` for a token bound to the client's key (RFC 9449 §5): sent with a proof. */
  tokenType: 'Bearer' | 'DPoP';
  /** When the broker's expires_in runs out, counted from when the request was sent. */
  expiresAtMs: number;
  obtainedAtMs: number;
  /** What the broker granted (its `scope`), which may be narrower than what was asked. */
  scopes: readonly string[];
}

export class AccessToken implements AccessTokenFields {
  declare readonly value: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresAtMs: number;
  readonly obtainedAtMs: number;
  readonly scopes: readonly string[];

  constructor(value: string, fields: AccessTokenFields) {
    Object.defineProperty(this, 'value', { value, enumerable: false });
    this.tokenType = fields.tokenType;
    this.expiresAtMs = fields.expiresAtMs;
    this.obtainedAtMs = fields.obtainedAtMs;
    this.scopes = Object.freeze([...fields.scopes]);
  }

  /** The Authorization header value (RFC 6750 §2.1; RFC 9449 §7.1, where a DPoP proof must go with it). */
  authorization(): string {
    return `${this.tokenType} ${this.value}`;
  }

  toJSON(): Record<string, unknown> {
    return { tokenType: this.tokenType, scopes: this.scopes, expiresAt: new Date(this.expiresAtMs).toISOString() };
  }

  toString(): string {
    return `[AccessToken ${this.scopes.join(' ')}]`;
  }

  [inspect.custom](): string {
    return `AccessToken ${JSON.stringify(this.toJSON())}`;
  }
}
