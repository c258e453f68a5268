/** One token request, top to bottom: see create-exchange.ts. */
export { createExchange, type Exchange, type ExchangeDeps, type ExchangeHeaders, type ExchangeResult, type TokenResponse } from './create-exchange.js';
export { GRANT_TYPES_SUPPORTED } from './grants/index.js';
