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
export { decideGrant, HARD_MAX_TTL_MS, type GrantDecision } from './decide-grant.js';
export { formatProblems } from './problems.js';
export { buildInventory, type InventoryRow } from './inventory.js';
export { formatInventory, csvField, type InventoryFormat } from './inventory-format.js';
export { createPolicyHolder, createPolicyReloader } from './holder.js';
