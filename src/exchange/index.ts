/** One token request, top to bottom: see create-exchange.ts. */
export { createExchange, type Exchange, type ExchangeDeps, type ExchangeHeaders, type ExchangeResult, type TokenResponse } from './create-exchange.js';
export {
  GRANT_TYPES_SUPPORTED, GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT,
} from './grants/index.js';
export { CLIENT_ASSERTION_TYPE_JWT } from './client-auth.js';
