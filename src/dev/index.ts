/** Development keys and tokens for the sample policy (never for production). */
export { ensureDevKeys } from './dev-keys.js';
export { devAssertion, devAttestation, devPersonToken } from './dev-tokens.js';
