/** HTTP plumbing shared by the routes: the one error serializer and the RFC 6750 challenges. */
export { installErrorHandler, oauthErrorHandler, NO_STORE, UNAVAILABLE_RETRY_AFTER_SECONDS } from './error-handler.js';
export { invalidToken, insufficientScope, insufficientRole } from './bearer-challenge.js';
