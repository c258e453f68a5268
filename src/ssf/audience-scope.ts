/**
 * Which receivers learn of which events. A stream is a resource server's, and an event about
 * an agent, a person or a token tells who was cut off and why it mattered: a receiver learns
 * only of events about tokens meant for audiences it serves, as introspection answers a
 * resource server only about tokens for its own audiences (RFC 7662 §4; the policy's
 * `introspects`). Events about the broker itself (a withdrawn key, lost events) go to all.
 */
import type { CompiledPolicy } from '../policy/index.js';
import { agentTokenAudiences, delegatedTokenAudiences, mayIntrospect } from '../policy/index.js';
import type { SecurityEvent } from './security-event.js';

export interface AudienceScope {
  /** The audiences of the tokens the event is about; undefined: it concerns every receiver. */
  eventAudiences(event: SecurityEvent): string[] | undefined;
  /** Whether `receiver` (its agent id) may learn of an event about tokens for these audiences. */
  receiverSees(receiver: string, audiences: readonly string[]): boolean;
}

/** Every receiver learns of every event (unit tests of a single module). */
export const everyReceiver: AudienceScope = { eventAudiences: () => undefined, receiverSees: () => true };

/** The scope the current policy draws (read at each event: a reloaded policy applies at once). */
export function policyAudienceScope(policy: () => CompiledPolicy): AudienceScope {
  return {
    eventAudiences(event) {
      switch (event.kind) {
        case 'agent_suspended':
        case 'agent_revoked':
          return known(agentTokenAudiences(policy(), event.agentId));
        case 'person_revoked':
          return known(delegatedTokenAudiences(policy()));
        case 'token_revoked':
          return event.audience === undefined ? undefined : [event.audience];
        case 'key_compromised':
          return undefined;
      }
    },
    receiverSees(receiver, audiences) {
      const agent = policy().agentsById.get(receiver);
      return audiences.some((audience) => mayIntrospect(agent, audience));
    },
  };
}

/**
 * No audience at all (an agent gone from the policy, whose earlier tokens may still live):
 * every receiver is told rather than none, since a revocation withheld is the worse mistake.
 */
const known = (audiences: ReadonlySet<string>): string[] | undefined => (audiences.size > 0 ? [...audiences] : undefined);
