/**
 * A real broker over HTTP for the libraries' tests (agent-sts/client, verifier, fastify): the
 * test broker listening on a free loopback port, with that address as its issuer. The
 * policy may depend on the issuer (a resource server's introspection intent names it).
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { exportJWK } from 'jose';
import { agentKeyAttestation, createTokenClient, type TokenClientOptions } from '../../src/client/index.js';
import { basePolicy, buildTestBroker, type PolicyDoc, type TestBrokerOptions } from './broker.js';
import { freePort } from './redis.js';

export interface ListeningBrokerOptions extends Omit<TestBrokerOptions, 'policy'> {
  policy?: PolicyDoc | ((issuer: string) => PolicyDoc);
}

export async function listeningBroker(options: ListeningBrokerOptions = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const policy = typeof options.policy === 'function' ? options.policy(issuer) : options.policy ?? basePolicy();
  const broker = await buildTestBroker({
    ...options,
    policy,
    env: { STS_ISSUER: issuer, STS_RATE_LIMIT_ADDRESS: '100000/1s', ...options.env },
  });
  await broker.app.listen({ host: '127.0.0.1', port });
  /** The agent's private key as a JWK, the way an agent would hold it in a file or secret. */
  const agentJwk = async (agentId = 'ticket-summarizer'): Promise<JWK> => {
    const pair = broker.agentKeys.get(agentId);
    if (!pair) throw new Error(`no key for ${agentId}`);
    return { ...(await exportJWK(pair.privateKey)), alg: 'ES256', kid: pair.publicJwk.kid ?? randomUUID() };
  };
  return { ...broker, issuer, port, agentJwk };
}

export type ListeningBroker = Awaited<ReturnType<typeof listeningBroker>>;

/** fetch that counts the calls per path (the real fetch underneath: it observes, it stands in for nothing). */
export function countingFetch(): { fetch: typeof fetch; calls: (path: string) => number } {
  const counts = new Map<string, number>();
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
      return fetch(input, init);
    },
    calls: (path) => counts.get(path) ?? 0,
  };
}

/** agent-sts/client for an agent of the broker, with its own key, on the broker's clock; counts its token requests. */
export async function agentClient(broker: ListeningBroker, extra: Partial<TokenClientOptions> & { agentId?: string } = {}) {
  const { agentId = 'ticket-summarizer', ...options } = extra;
  const counter = countingFetch();
  const client = createTokenClient({
    issuer: broker.issuer,
    attestation: agentKeyAttestation({ agentId, privateKey: await broker.agentJwk(agentId) }),
    now: broker.clock,
    fetch: counter.fetch,
    ...options,
  });
  return { client, counter, tokenRequests: () => counter.calls('/oauth/token') };
}
