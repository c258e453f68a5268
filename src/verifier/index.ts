/**
 * agent-sts/verifier: check agent-sts access tokens in any HTTP framework.
 *
 *   const verifier = createVerifier({ issuer: 'https://sts.example.com', audience: 'https://tickets.example.com' });
 *   const agent = await verifier.verifyAuthorization(req.headers.authorization, { scopes: ['tickets:read'] });
 */
export { createVerifier, DEFAULT_ALGORITHMS, type Verifier } from './create-verifier.js';
export { VerifyError, type VerifyErrorCode, type VerifyFailureReason } from './errors.js';
export { bearerChallenge, bearerToken, type ChallengeOptions } from './bearer.js';
export { checkRequirementShape } from './requirements.js';
export { actorChain, MAX_ACT_DEPTH } from './principal.js';
export type { Actor, AgentPrincipal, BearerFetcher, Requirements, VerifierOptions } from './types.js';
export type { RevocationFeed } from './revocation-feed.js';
export type { RevocationOptions, FeedLogger } from './revocation-types.js';
