/** Development keys and tokens for the sample policy (never for production). */
export { devJwksFiles, ensureDevKeys, privateKeyPath, readPrivateJwk, DEV_FOLDER } from './dev-keys.js';
export { devAssertion, devAttestation } from './dev-tokens.js';
