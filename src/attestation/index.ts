export type {
  AttestationContext,
  AttestationFailure,
  AttestationFailureReason,
  AttestationKind,
  AttestationResult,
  AttestationSuccess,
  IssuerKeyResolver,
  KeySource,
  ReplayClaim,
  ShadowIdentity,
} from './types.js';
export { ASYMMETRIC_ALGORITHMS, MAX_TOKEN_BYTES } from './types.js';
export { verifyIssuerToken } from './verify-issuer-token.js';
export { verifyAgentAssertion } from './verify-agent-assertion.js';
export { verifySubjectToken } from './verify-subject-token.js';
export { createIssuerKeyResolver, type IssuerKeyResolverOptions, type JwksFetchOutcome } from './key-resolver.js';
export { VerifiedTokenCache, type CachedVerification, type VerifiedTokenCacheOptions } from './verified-token-cache.js';
export { KeysUnavailableError } from './jose-errors.js';
export { sha256Hex } from './hash.js';
export { verifyPersonToken, type PersonProof, type MayAct } from './verify-person-token.js';
export { claimPredatesEpoch } from './replay-key.js';
