/** Development keys and tokens for the sample policy (never for production). */
export { ensureDevKeys } from './dev-keys.js';
export { devAssertion, devAttestation } from './dev-tokens.js';
