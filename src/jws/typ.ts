/**
 * Explicit typing (RFC 8725 §3.11): each kind of token this broker reads has its own `typ`
 * allow-list, so a token made for one purpose (a DPoP proof, an access token, a logout or
 * security event token) never passes for another, even when signed by a trusted key.
 */
import { jwsFailure, type JsonObject, type JwsFailure } from './types.js';

export interface TypRule {
  /** Media types, already normalized by mediaType(). */
  readonly accepted: ReadonlySet<string>;
  /** True when a header without `typ` is accepted. */
  readonly optional: boolean;
}

/**
 * RFC 7515 §4.1.9: a `typ` without "/" stands for "application/" + typ, and media types
 * compare case-insensitively (RFC 2045 §5.1): "JWT", "jwt" and "application/jwt" are one.
 */
export function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

export function typRule(accepted: readonly string[], options: { optional: boolean }): TypRule {
  return Object.freeze({ accepted: new Set(accepted.map(mediaType)), optional: options.optional });
}

/** True when `typ` names the media type `expected` (in either spelling). */
export function isMediaType(typ: unknown, expected: string): boolean {
  return typeof typ === 'string' && mediaType(typ) === mediaType(expected);
}

export function checkTyp(header: JsonObject, rule: TypRule): JwsFailure | null {
  const { typ } = header;
  if (typ === undefined) return rule.optional ? null : jwsFailure('wrong_typ', 'typ is required');
  if (typeof typ !== 'string') return jwsFailure('wrong_typ', 'typ is not a string');
  if (rule.accepted.has(mediaType(typ))) return null;
  return jwsFailure('wrong_typ', `typ ${JSON.stringify(typ.slice(0, 64))} is not accepted for this kind of token`);
}
