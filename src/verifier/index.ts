/**
 * agent-sts/verifier: check agent-sts access tokens in any HTTP framework.
 *
 *   const verifier = createVerifier({ issuer: 'https://sts.example.com', audience: 'https://tickets.example.com' });
 *   const agent = await verifier.verifyRequest({ method: req.method, url: `https://tickets.example.com${path}`,
 *     authorization: req.headers.authorization, dpop: req.headers.dpop }, { scopes: ['tickets:read'] });
 */
export { createVerifier, DEFAULT_ALGORITHMS, type Verifier } from './create-verifier.js';
export { VerifyError, type AuthScheme, type RefusalBody, type VerifyErrorCode, type VerifyFailureReason } from './errors.js';
export { bearerToken, presentedToken, type PresentedToken } from './authorization.js';
export { authenticateChallenges, bearerChallenge, dpopChallenge, type AcceptedSchemes, type ChallengeOptions } from './challenge.js';
export { memoryReplayCache, type ReplayGuard } from './replay-cache.js';
export { checkRequirementShape } from './requirements.js';
export { actorChain, MAX_ACT_DEPTH } from './principal.js';
export type { Actor, AgentPrincipal, BearerFetcher, DpopOptions, RequestCredentials, Requirements, VerifierOptions } from './types.js';
export type { RevocationFeed } from './revocation-feed.js';
export type { RevocationOptions, FeedLogger } from './revocation-types.js';
