/**
 * Who may see what through RFC 7662 introspection, as plain decisions over the policy.
 * A resource server calls with a token of its own carrying `sts:introspect`; RFC 7662 §4
 * asks the server to judge whether the introspected token can be used at that caller.
 */
import type { Agent } from './types.js';

export const INTROSPECT_SCOPE = 'sts:introspect';

/**
 * May `caller` (the policy entry of the resource server asking) learn about a token for
 * `audience`? A caller that lists `introspects` sees only those audiences; one that lists
 * nothing sees all (the policy check warns about it); a caller gone from the policy sees none.
 */
export function mayIntrospect(caller: Agent | undefined, audience: string): boolean {
  if (caller === undefined) return false;
  return caller.introspects === undefined || caller.introspects.includes(audience);
}
