export { SIGNING_ALGS, isSigningAlg, generateKeyMaterial, type SigningAlg, type KeyMaterial } from './algorithms.js';
export { jwkThumbprint, publicJwkMembers } from './jwk-thumbprint.js';
export { createLocalSigner, type Signer } from './signer.js';
export { signJwt, type JwsHeader } from './sign-jwt.js';
export {
  buildAccessTokenClaims, accessTokenHeader, mintAccessToken,
  type AccessTokenClaims, type AccessTokenHeader, type AccessTokenInput, type ActClaim,
} from './access-token-claims.js';
export { KeyRing, createKeyRing, type VerificationKey } from './key-ring.js';
export type { PublicJwk } from './key-cache.js';
export type { KeyRingOptions, KeyRingStore, KeyRingLogger } from './ring-options.js';
export { KeyRingDecryptError, encryptRing, decryptRing } from './ring-encryption.js';
export { advanceRing, rotateRing, type RotationResult } from './ring-schedule.js';
export { CLOCK_SKEW_MS, type RingState, type RingKey, type RingTiming, type KeyStatus } from './ring-state.js';
export {
  verifyBrokerToken, actChain, MAX_ACT_DEPTH,
  type BrokerKeySource, type BrokerTokenResult, type BrokerTokenRejection,
} from './verify-broker-token.js';
