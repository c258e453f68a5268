/**
 * Does a verified principal meet what a call needs? Pure. A missing scope or another intent
 * is RFC 6750 §3.1 `insufficient_scope` (403), naming the scopes the call needs.
 */
import { VerifyError } from './errors.js';
import type { AgentPrincipal, Requirements } from './types.js';

export function checkRequirements(principal: AgentPrincipal, requirements: Requirements): void {
  const needed = requirements.scopes ?? [];
  const missing = needed.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) {
    throw new VerifyError('insufficient_scope', 'missing_scope', `the access token lacks the scope ${missing.join(' ')}`, { requiredScopes: needed });
  }
  const intents = requirements.intent === undefined ? [] : typeof requirements.intent === 'string' ? [requirements.intent] : requirements.intent;
  if (intents.length > 0 && !intents.includes(principal.intent)) {
    throw new VerifyError('insufficient_scope', 'wrong_intent', `the access token was issued for another intent than ${intents.join(' or ')}`, { requiredScopes: needed });
  }
}

/** Checked once where requirements are declared: scope tokens per RFC 6749 §3.3, intents non-empty. */
export function checkRequirementShape(requirements: Requirements): Requirements {
  for (const scope of requirements.scopes ?? []) {
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) throw new TypeError(`not a valid scope: ${JSON.stringify(scope)}`);
  }
  const intents = requirements.intent === undefined ? [] : typeof requirements.intent === 'string' ? [requirements.intent] : requirements.intent;
  for (const intent of intents) if (typeof intent !== 'string' || intent.length === 0) throw new TypeError('an intent must be a non-empty string');
  return requirements;
}
