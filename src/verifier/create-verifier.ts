/**
 * createVerifier: checks agent-sts access tokens for one API, in any HTTP framework. Offline
 * by default (the broker's JWKS, discovered through RFC 8414), online (RFC 7662) per call or
 * always when an introspection client is given.
 *
 * What offline verification cannot see: a token revoked or an agent suspended after the token
 * was issued stays accepted until the token expires (minutes); a signing key withdrawn as
 * compromised stays trusted until the cached JWKS expires (the broker's max-age) or
 * refreshKeys() is called. Calls that must see those at once ask for `online`, or the verifier
 * subscribes to the broker's revocations (`revocations`: OpenID Shared Signals, CAEP events)
 * and refuses such tokens within seconds, still offline.
 */
import { createDiscovery } from '../discovery/index.js';
import { bearerToken } from './bearer.js';
import { createBrokerKeys, type BrokerKeys } from './broker-keys.js';
import { invalidToken, unavailable, VerifyError } from './errors.js';
import { checkStillActive } from './introspection.js';
import { checkRevocations } from './revocation-check.js';
import { createRevocationFeed, type RevocationFeed } from './revocation-feed.js';
import { principalFromClaims } from './principal.js';
import { checkRequirements } from './requirements.js';
import type { AgentPrincipal, Requirements, VerifierOptions } from './types.js';
import { verifyAccessJwt } from './verify-jwt.js';

export const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const MAX_TOLERANCE_S = 60;

export interface Verifier {
  readonly issuer: string;
  readonly audience: string;
  /** The principal when the token is valid here and meets the requirements; a VerifyError otherwise. */
  verify(token: string, requirements?: Requirements): Promise<AgentPrincipal>;
  /** The same from an Authorization header value; no header at all is invalid_token with reason no_token. */
  verifyAuthorization(header: string | undefined, requirements?: Requirements): Promise<AgentPrincipal>;
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

  const verify = async (token: string, requirements: Requirements = {}): Promise<AgentPrincipal> => {
    let ring: BrokerKeys;
    try {
      ring = await brokerKeys();
      await ring.ensureFresh();
    } catch (error) {
      throw error instanceof VerifyError ? error : unavailable('keys_unavailable', error);
    }
    const claims = await verifyAccessJwt(token, ring.getKey, { issuer, audience: options.audience, algorithms, toleranceS, nowMs: now() });
    const principal = principalFromClaims(claims);
    if (revocations) checkRevocations(revocations, principal, token, { issuer, nowMs: now(), failClosedAfterMs: options.revocations?.failClosedAfterMs });
    checkRequirements(principal, requirements);
    if (requirements.online || options.introspection?.always) await introspect(token, principal);
    return principal;
  };

  return {
    issuer,
    audience: options.audience,
    revocations,
    close: async () => revocations?.close(),
    verify,
    async verifyAuthorization(header, requirements) {
      const token = bearerToken(header);
      if (token === undefined) throw invalidToken('no_token', 'an access token is required');
      return verify(token, requirements);
    },
    async refreshKeys() {
      await (await brokerKeys()).refresh();
    },
  };
}

/** RFC 8725 §3.1: an explicit list of asymmetric algorithms; never none, never a shared secret. */
function checkAlgorithms(list: readonly string[]): readonly string[] {
  if (list.length === 0) throw new TypeError('algorithms must not be empty');
  for (const alg of list) {
    if (!(DEFAULT_ALGORITHMS as readonly string[]).includes(alg)) throw new TypeError(`algorithm ${alg} is not allowed (asymmetric JOSE algorithms only)`);
  }
  return Object.freeze([...list]);
}
