/**
 * createVerifier: checks agent-sts access tokens for one API, in any HTTP framework. Offline
 * by default (the broker's JWKS, discovered through RFC 8414), online (RFC 7662) per call or
 * always when an introspection client is given. DPoP-bound tokens (RFC 9449) are accepted
 * with the DPoP scheme and a proof for the request (verifyRequest), never as bearer tokens.
 *
 * What offline verification cannot see: a token revoked or an agent suspended after the token
 * was issued stays accepted until the token expires (minutes); a signing key withdrawn as
 * compromised stays trusted until the cached JWKS expires (the broker's max-age) or
 * refreshKeys() is called. Calls that must see those at once ask for `online`, or the verifier
 * subscribes to the broker's revocations (`revocations`: OpenID Shared Signals, CAEP events)
 * and refuses such tokens within seconds, still offline.
 */
import { createDiscovery } from '../discovery/index.js';
import { checkAlgorithms, DEFAULT_ALGORITHMS } from './algorithms.js';
import { bearerToken, presentedToken } from './authorization.js';
import { createBrokerKeys, type BrokerKeys } from './broker-keys.js';
import { authenticateChallenges, type ChallengeOptions } from './challenge.js';
import { checkProof, claimProof, singleProof } from './dpop-proof.js';
import { dpopSettings } from './dpop-settings.js';
import { invalidToken, unavailable, VerifyError } from './errors.js';
import { checkStillActive } from './introspection.js';
import { checkRevocations } from './revocation-check.js';
import { createRevocationFeed, type RevocationFeed } from './revocation-feed.js';
import { principalFromClaims } from './principal.js';
import { checkRequirements } from './requirements.js';
import { checkBinding } from './token-binding.js';
import type { AgentPrincipal, RequestCredentials, Requirements, VerifierOptions } from './types.js';
import { verifyAccessJwt } from './verify-jwt.js';

export { DEFAULT_ALGORITHMS };
const MAX_TOLERANCE_S = 60;

export interface Verifier {
  readonly issuer: string;
  readonly audience: string;
  /** This API's DPoP settings, as its RFC 9728 metadata and challenges announce them. */
  readonly dpop: { readonly required: boolean; readonly algorithms: readonly string[]; readonly nonces: boolean };
  /** A request's credentials (Bearer, or DPoP with its proof): the principal, or a VerifyError. */
  verifyRequest(request: RequestCredentials, requirements?: Requirements): Promise<AgentPrincipal>;
  /** A bearer token alone (no request to check a proof against): a DPoP-bound token is refused. */
  verify(token: string, requirements?: Requirements): Promise<AgentPrincipal>;
  /** The same from an `Authorization: Bearer` header value; no header at all is invalid_token with reason no_token. */
  verifyAuthorization(header: string | undefined, requirements?: Requirements): Promise<AgentPrincipal>;
  /** The headers of a refusal: the challenges of every accepted scheme, DPoP-Nonce, Retry-After on 503. */
  refusalHeaders(error: VerifyError, options?: ChallengeOptions): Record<string, string>;
  /** A current nonce for the DPoP-Nonce header of any response, when nonces are required (RFC 9449 §9). */
  dpopNonce(): string | undefined;
  /** Fetch the broker's JWKS now (after a key compromise, for instance), whatever the cache says. */
  refreshKeys(): Promise<void>;
  /** The subscription to the broker's revocations, when the `revocations` option is given. */
  readonly revocations: RevocationFeed | undefined;
  /** Stops the revocation subscription (and deletes its stream at the broker). */
  close(): Promise<void>;
}

export function createVerifier(options: VerifierOptions): Verifier {
  const algorithms = checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS);
  const toleranceS = options.clockToleranceSeconds ?? 5;
  if (!(toleranceS >= 0 && toleranceS <= MAX_TOLERANCE_S)) throw new TypeError(`clockToleranceSeconds must be from 0 to ${MAX_TOLERANCE_S}`);
  if (typeof options.audience !== 'string' || options.audience.length === 0) throw new TypeError('audience is required');
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dpop = dpopSettings(options.dpop ?? {}, { toleranceS, now });
  const accepted = { bearer: !dpop.required, dpopAlgorithms: dpop.algorithms };
  const discovery = createDiscovery({ issuer: options.issuer, fetch: fetchImpl, timeoutMs, now });
  const issuer = discovery.issuer;
  let keys: Promise<BrokerKeys> | undefined;

  const brokerKeys = (): Promise<BrokerKeys> => {
    keys ??= discovery.metadata().then((metadata) => createBrokerKeys({
      jwksUri: metadata.jwks_uri,
      fetch: fetchImpl,
      now,
      timeoutMs,
      cooldownMs: options.jwks?.cooldownMs ?? 30_000,
      maxCacheAgeMs: options.jwks?.maxCacheAgeMs ?? 600_000,
    }));
    keys.catch(() => { keys = undefined; }); // discovery failed: try again on the next call
    return keys;
  };

  const revocations = options.revocations
    ? createRevocationFeed(options.revocations, { issuer, algorithms, toleranceS, now, fetch: fetchImpl, timeoutMs, keys: brokerKeys, ...(options.logger ? { logger: options.logger } : {}) })
    : undefined;

  const introspect = async (token: string, principal: AgentPrincipal): Promise<void> => {
    const introspection = options.introspection;
    if (!introspection) throw new TypeError('an online check needs the introspection option (a token client)');
    const endpoint = (await discovery.metadata().catch((error: unknown) => { throw unavailable('introspection_unavailable', error); })).introspection_endpoint;
    if (!endpoint) throw unavailable('introspection_unavailable', new Error('the broker advertises no introspection_endpoint'));
    await checkStillActive(token, principal, { endpoint, issuer, client: introspection.client, intent: introspection.intent });
  };

  /** The token, bound to the key the request proved (`provenJkt`), or a bearer token when none. */
  const verifyToken = async (token: string, requirements: Requirements, provenJkt: string | undefined): Promise<AgentPrincipal> => {
    let ring: BrokerKeys;
    try {
      ring = await brokerKeys();
      await ring.ensureFresh();
    } catch (error) {
      throw error instanceof VerifyError ? error : unavailable('keys_unavailable', error);
    }
    const claims = await verifyAccessJwt(token, ring.getKey, { issuer, audience: options.audience, algorithms, toleranceS, nowMs: now() });
    checkBinding(claims, provenJkt);
    const principal = principalFromClaims(claims);
    if (revocations) checkRevocations(revocations, principal, token, { issuer, nowMs: now(), failClosedAfterMs: options.revocations?.failClosedAfterMs });
    checkRequirements(principal, requirements);
    if (requirements.online || options.introspection?.always) await introspect(token, principal);
    return principal;
  };

  /** A token without a proof: never a bound one, and nothing at all where only bound tokens are accepted. */
  const verifyBearer = (token: string, requirements: Requirements): Promise<AgentPrincipal> => {
    if (dpop.required) throw invalidToken('dpop_required', 'this API accepts only DPoP-bound access tokens');
    return verifyToken(token, requirements, undefined);
  };

  const verifyRequest = async (request: RequestCredentials, requirements: Requirements = {}): Promise<AgentPrincipal> => {
    const presented = presentedToken(request.authorization);
    if (presented === undefined) throw invalidToken('no_token', 'an access token is required');
    try {
      if (presented.scheme === 'Bearer') return await verifyBearer(presented.token, requirements);
      const proven = checkProof(singleProof(request.dpop), presented.token, request, dpop, now());
      const principal = await verifyToken(presented.token, requirements, proven.jkt);
      // Claimed last: a proof is spent only by a request that was otherwise accepted.
      await claimProof(proven, dpop);
      return principal;
    } catch (error) {
      throw error instanceof VerifyError ? error.inScheme(presented.scheme) : error;
    }
  };

  return {
    issuer,
    audience: options.audience,
    dpop: Object.freeze({ required: dpop.required, algorithms: dpop.algorithms, nonces: dpop.nonces !== undefined }),
    verifyRequest,
    revocations,
    close: async () => revocations?.close(),
    verify: async (token, requirements = {}) => verifyBearer(token, requirements),
    async verifyAuthorization(header, requirements = {}) {
      const token = bearerToken(header);
      if (token === undefined) throw invalidToken('no_token', 'an access token is required');
      return verifyBearer(token, requirements);
    },
    refusalHeaders(error, challenge = {}) {
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      if (error.code === 'temporarily_unavailable') headers['retry-after'] = '5';
      else headers['www-authenticate'] = authenticateChallenges(error, accepted, challenge);
      const nonce = error.dpopNonce ?? dpop.nonces?.current();
      if (nonce !== undefined) headers['dpop-nonce'] = nonce;
      return headers;
    },
    dpopNonce: () => dpop.nonces?.current(),
    async refreshKeys() {
      await (await brokerKeys()).refresh();
    },
  };
}
