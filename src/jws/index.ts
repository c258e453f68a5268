/**
 * Compact JWS / JWT handling for every token this broker reads: attestations, agent
 * assertions, its own access tokens and operator sign-on tokens. Decode once with every
 * structural check, check `typ` per kind of token, verify the signature with node:crypto
 * (against a key set and an algorithm allow-list, or one key), then the registered claims.
 */
export type { DecodedJws, JsonObject, JwsFailure, JwsFailureReason } from './types.js';
export { CLOCK_TOLERANCE_MS, MAX_JWS_BYTES, jwsFailure } from './types.js';
export { decodeJws } from './decode.js';
export { findDuplicateMember } from './duplicate-members.js';
export { checkTyp, isMediaType, mediaType, typRule, type TypRule } from './typ.js';
export { VERIFIABLE_ALGORITHMS, verifySignature, verifySignatureOffThread } from './algorithms.js';
export { verifyWithKeySet } from './key-set.js';
export { checkClaims, type AudienceRule, type ClaimRules } from './claims.js';
export { checkTimes, readTimes, type TimeRules, type TokenTimes } from './times.js';
export { jwkThumbprint, publicJwkMembers } from './thumbprint.js';
