/**
 * Subjects a receiver adds to or removes from its stream (SSF §8.1.3), in the RFC 9493 formats
 * this broker sends events about. Anything else is a well-formed subject of another kind (no
 * effect) or malformed (invalid_request).
 */
import { OAuthError } from '../errors.js';
import { subjectKey, type SubjectId } from './vocabulary.js';

const MAX_MEMBER = 1_024;

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_MEMBER;

/** The subject's canonical key, or null for a format this broker never uses. */
export function parseSubject(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OAuthError('invalid_request', 'subject must be a subject identifier (RFC 9493)');
  const s = value as Record<string, unknown>;
  if (!text(s.format)) throw new OAuthError('invalid_request', 'subject needs a format (RFC 9493 §3)');
  const subject = known(s);
  if (subject === undefined) throw new OAuthError('invalid_request', `subject of format ${s.format} lacks its members`);
  return subject === null ? null : subjectKey(subject);
}

function known(s: Record<string, unknown>): SubjectId | null | undefined {
  switch (s.format) {
    case 'opaque': return text(s.id) ? { format: 'opaque', id: s.id } : undefined;
    case 'iss_sub': return text(s.iss) && text(s.sub) ? { format: 'iss_sub', iss: s.iss, sub: s.sub } : undefined;
    case 'jwt_id': return text(s.iss) && text(s.jti) ? { format: 'jwt_id', iss: s.iss, jti: s.jti } : undefined;
    case 'uri': return text(s.uri) ? { format: 'uri', uri: s.uri } : undefined;
    default: return null;
  }
}
