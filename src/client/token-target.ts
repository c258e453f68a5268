/**
 * A TokenTarget made canonical: the form parameters it sends and the key it is cached under.
 * The cache key separates audience from resource, intent and the exact scope set (order and
 * repeats do not matter), so two callers asking for the same thing share one token.
 */
import type { TokenTarget } from './types.js';

const MAX_TARGET_LENGTH = 2048;
const MAX_SCOPES = 64;

export interface CanonicalTarget {
  key: string;
  /** RFC 8707 resource or RFC 8693 audience (never both), intent, scope. */
  params: Array<[string, string]>;
  resource: string | undefined;
  /** For logs: which audience or resource, and the intent; nothing secret. */
  describe: Record<string, string>;
}

export function canonicalTarget(target: TokenTarget): CanonicalTarget {
  const audience = target.audience;
  const resource = target.resource;
  if ((audience === undefined) === (resource === undefined)) {
    throw new TypeError('give exactly one of audience or resource');
  }
  const kind = resource !== undefined ? 'resource' : 'audience';
  const value = (resource ?? audience) as string;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TARGET_LENGTH) {
    throw new TypeError(`${kind} must be a non-empty string of at most ${MAX_TARGET_LENGTH} characters`);
  }
  if (target.intent !== undefined && (typeof target.intent !== 'string' || target.intent.length === 0)) {
    throw new TypeError('intent must be a non-empty string');
  }
  const scopes = canonicalScopes(target.scope);
  const params: Array<[string, string]> = [[kind, value]];
  if (target.intent !== undefined) params.push(['intent', target.intent]);
  if (scopes.length > 0) params.push(['scope', scopes.join(' ')]);
  return {
    key: JSON.stringify([kind, value, target.intent ?? null, scopes]),
    params,
    resource,
    describe: { [kind]: value, ...(target.intent !== undefined ? { intent: target.intent } : {}) },
  };
}

function canonicalScopes(scope: string | readonly string[] | undefined): string[] {
  if (scope === undefined) return [];
  const list = typeof scope === 'string' ? scope.split(' ') : [...scope];
  const unique = [...new Set(list.filter((s) => s.length > 0))].sort();
  if (unique.length > MAX_SCOPES) throw new TypeError(`at most ${MAX_SCOPES} scopes`);
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
  for (const s of unique) if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)) throw new TypeError(`not a valid scope: ${JSON.stringify(s)}`);
  return unique;
}

/**
 * A token for a resource goes only to URLs under that resource (same origin, same path or
 * below): sending it elsewhere would hand it to a server it was not meant for.
 */
export function assertUrlInResource(url: URL, resource: string): void {
  const base = new URL(resource);
  const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const inside = url.origin === base.origin && (url.pathname === base.pathname || url.pathname.startsWith(prefix));
  if (!inside) throw new TypeError(`refusing to send a token for the resource ${resource} to ${url.origin}${url.pathname}`);
}
