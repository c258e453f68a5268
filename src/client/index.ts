/**
 * agent-sts/client: an agent's access tokens from agent-sts.
 *
 *   const sts = createTokenClient({ issuer, attestation: fileAttestation('/var/run/secrets/tokens/agent-sts') });
 *   const response = await sts.fetch(url, {}, { resource: 'https://tools.example.com/mcp', intent: 'triage' });
 */
export { createTokenClient, type TokenClient } from './token-client.js';
export { fileAttestation, functionAttestation, MAX_ATTESTATION_BYTES } from './platform-attestation.js';
export { agentKeyAttestation, MAX_ASSERTION_LIFETIME_S, type AgentKeyOptions } from './agent-key-attestation.js';
export { AccessToken, type AccessTokenFields } from './access-token.js';
export { TokenClientError, type ClientFailure } from './errors.js';
export { parseBearerChallenge, parseChallenge } from './www-authenticate.js';
export { DEFAULT_RETRY } from './retry.js';
export type { AttestationContext, AttestationSource, ClientLogger, RetryOptions, TokenClientOptions, TokenTarget } from './types.js';
