/**
 * Talking to the broker over HTTP, for the libraries that run inside agents and APIs
 * (agent-sts/client, agent-sts/verifier): RFC 8414 discovery and bounded calls. Imports no
 * broker internals.
 */
export { BrokerCallError, cacheMaxAgeMs, callBroker, isJsonObject, readBody, readJson, type BrokerCallFailure, type CallLimits, type FetchLike } from './broker-call.js';
export { createDiscovery, type Discovery, type DiscoveryOptions } from './discover.js';
export { checkIdentifierUrl, isSafeUrl, type AuthorizationServerMetadata } from './metadata.js';
