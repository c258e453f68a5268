/** HTTP plumbing shared by the routes: the one error serializer, RFC 6750 challenges, limits per client address. */
export { installErrorHandler, oauthErrorHandler, toOAuthError, NO_STORE, UNAVAILABLE_RETRY_AFTER_SECONDS } from './error-handler.js';
export { invalidToken, insufficientScope, insufficientRole, dpopChallenge } from './bearer-challenge.js';
export { clientBucket, limitByAddress, tooManyRequests } from './address-limit.js';
export type { TypeBoxApp } from './typebox.js';
export { listenerTimeouts, type ListenerTimeoutSettings } from './listener-timeouts.js';
