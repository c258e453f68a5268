/** What the policy says to do about a detection: per tier and kind, `alert` by default. */
import type { AnomalyAction, AnomalyKind, AnomalyRule, Tier } from '../policy/types.js';

const DEFAULT_RULE: AnomalyRule = { action: 'alert', after: 1, withinMs: 600_000 };

interface ResolvedRule {
  rule: AnomalyRule;
  /** The tier asked for `suspend` on a kind that may only alert. */
  downgraded: boolean;
}

export function resolveRule(tier: Tier | undefined, kind: AnomalyKind): ResolvedRule {
  const rule = tier?.anomalies[kind] ?? DEFAULT_RULE;
  // SECURITY: attestation_failure names its agent from an UNVERIFIED claim; anyone could forge
  // attestations naming an agent to get it suspended. It alerts, never suspends.
  if (kind === 'attestation_failure' && rule.action === 'suspend') {
    return { rule: { ...rule, action: 'alert' }, downgraded: true };
  }
  return { rule, downgraded: false };
}

/** `suspend` on the Nth detection within the rule's window; `alert` otherwise. */
export function decideAction(rule: AnomalyRule, detectionsWithin: number): AnomalyAction {
  return rule.action === 'suspend' && detectionsWithin >= rule.after ? 'suspend' : 'alert';
}
