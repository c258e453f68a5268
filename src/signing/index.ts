export { SIGNING_ALGS, generateKeyMaterial, type SigningAlg } from './algorithms.js';
export { jwkThumbprint, publicJwkMembers } from '../jws/index.js';
export { createLocalSigner, type Signer } from './signer.js';
export { signJwt } from './sign-jwt.js';
export {
  buildAccessTokenClaims, accessTokenHeader, mintAccessToken,
  type AccessTokenClaims, type AccessTokenInput, type ActClaim, type MayActClaim,
} from './access-token-claims.js';
export { KeyRing, createKeyRing, type KeyFacts } from './key-ring.js';
export type { KeyRingOptions, KeyRingStore } from './ring-options.js';
export { KeyRingDecryptError, encryptRing, decryptRing } from './ring-encryption.js';
export { advanceRing, rotateRing } from './ring-schedule.js';
export type { RingState } from './ring-state.js';
export { verifyBrokerToken, actChain, type BrokerKeySource, type BrokerTokenResult, type BrokerTokenRejection } from './verify-broker-token.js';
