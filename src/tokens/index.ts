/** The broker's own access tokens after minting: whether one is still good (signature, revocation). */
export { tokenStatus, revocableNow, revocationByTime, delegationEnded, type TokenStatus, type TokenStatusDeps } from './token-status.js';
export { authenticateOwnToken, type OwnTokenDeps, type OwnTokenRequest } from './own-token-caller.js';
