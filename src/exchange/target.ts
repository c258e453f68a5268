/**
 * The part of every token request that names what the token is for: exactly one audience or
 * resource (RFC 8693 §2.1, RFC 8707 §2), optional scopes (RFC 6749 §3.3) and the intent.
 * Pure: parameters in, a typed target or the RFC error out.
 */
import { OAuthError } from '../errors.js';
import { single, type FormParams } from '../http/form-body.js';

const MAX_INTENT_LENGTH = 128;
const MAX_AUDIENCE_LENGTH = 512;
const MAX_SCOPES = 64;
const PRINTABLE = /^[\x21-\x7e]+$/;

export interface Target {
  readonly audience: string;
  readonly scopes?: string[];
  readonly intent?: string;
}

export function readTarget(params: FormParams): Target {
  const audiences = values(params.audience);
  const resources = values(params.resource);
  if (audiences.some((a) => a === '') || resources.some((r) => r === '')) {
    throw new OAuthError('invalid_target', 'audience and resource must not be empty', { reason: 'audience' });
  }
  // RFC 8707 §2: exactly one target; none, both or several is invalid_target.
  if (audiences.length + resources.length !== 1) {
    throw new OAuthError('invalid_target', 'name exactly one audience or one resource', { reason: 'audience' });
  }
  const resource = resources[0];
  if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 section 2)', { reason: 'audience' });
  }
  const audience = (audiences[0] ?? resource) as string;
  if (audience.length > MAX_AUDIENCE_LENGTH || !PRINTABLE.test(audience)) {
    throw new OAuthError('invalid_target', 'audience is malformed', { reason: 'audience' });
  }
  const scopes = parseScope(single(params, 'scope'));
  const intent = single(params, 'intent');
  if (intent !== undefined && (intent.length > MAX_INTENT_LENGTH || !PRINTABLE.test(intent))) {
    throw new OAuthError('invalid_request', 'intent is malformed', { reason: 'bad_request' });
  }
  if (scopes && intent) return { audience, scopes, intent };
  if (scopes) return { audience, scopes };
  return intent ? { audience, intent } : { audience };
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const tokens = scope.split(' ');
  if (tokens.length > MAX_SCOPES || tokens.some((t) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))) {
    throw new OAuthError('invalid_scope', 'scope is malformed (RFC 6749 section 3.3)', { reason: 'scope' });
  }
  return [...new Set(tokens)];
}

function values(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    const url = new URL(value);
    return url.hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}
