/** The operator plane: operator authentication, the live inventory, token status. */
export { authenticateOperator } from './authenticate.js';
export { createOperatorKeySets, verifyOperatorJwt, mapRole, MAX_ROLE_VALUES, OperatorJwtError, type OperatorKeySets } from './operator-jwt.js';
export { matchStaticKey } from './static-key.js';
export { roleAllows, type OperatorIdentity } from './roles.js';
export {
  buildLiveInventory, filterInventory, joinAgentState,
  type LiveInventoryRow, type InventoryFilter,
} from './live-inventory.js';
export { inventoryCsv } from './inventory-csv.js';
export { findIssuedToken, type IssuedTokenLookup } from './issued-token.js';
export { tokenStatus } from '../tokens/index.js';
export { createMemoryAuthBackoff, OPERATOR_AUTH_BACKOFF, refusalAfterCheck, type AuthBackoff, type BackoffSchedule } from './auth-backoff.js';
export { createRedisAuthBackoff } from './auth-backoff-redis.js';
export type { AdminKeyRing } from './key-ring.js';
