/** The policy module: loading, validating and compiling the policy; pure grant decisions. */
export type * from './types.js';
export { POLICY_DURATIONS } from './validate-common.js';
export { scopeMatchesGlob, scopeWithinCeiling, isScopeToken } from './scope-glob.js';
export { parseIsoDate } from './iso-date.js';
export { parseClaimKey } from './claims.js';
export { loadPolicyFile, MAX_POLICY_FILE_BYTES } from './load.js';
export { validatePolicyDocument } from './validate.js';
export { ALLOWED_ALGORITHMS } from './validate-issuers.js';
export { compilePolicy } from './compile.js';
export { agentGovernance, computeGovernance, REVIEW_DUE_SOON_MS } from './governance.js';
export { INTROSPECT_SCOPE, mayIntrospect } from './introspection.js';
export { decideGrant, HARD_MAX_TTL_MS, type GrantDecision, type GrantDenial, type GrantInput } from './decide-grant.js';
export { decideDelegatedGrant, type DelegationDecision, type DelegationInput, type Removal, type Remover } from './decide-delegation.js';
export { formatProblems } from './problems.js';
export { buildInventory, type InventoryRow } from './inventory.js';
export { formatInventory, type InventoryFormat } from './inventory-format.js';
export {
  agentStanding, isAgentState, AGENT_STATES, AGENT_FLAGS, AGENT_REFUSALS, REFUSAL_TEXT,
  type AgentState, type AgentFlag, type AgentRefusal, type AgentStanding,
} from './agent-state.js';
export { createPolicyHolder, createPolicyReloader, type MutablePolicyHolder, type PolicyReloader, type PolicyReloaderOptions } from './holder.js';
export { explainDecision, type ExplainInput, type Explanation } from './explain.js';
export type { ExplainStep, ScopeVerdict, StepOutcome, SuspensionFact } from './explain-steps.js';
export { diffPolicies, type PolicyDiff, type SubjectDiff, type Change } from './diff.js';
export { effectiveAccess, authenticationMethods, keyId, type EffectiveAccess } from './effective-access.js';
