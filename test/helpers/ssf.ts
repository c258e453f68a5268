/**
 * Shared Signals test fixtures: a policy whose resource servers may manage streams (an intent
 * for the broker itself with scope ssf:stream), the receivers' tokens, and a real HTTP
 * receiver that records the SETs pushed to it and answers as told.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentDoc, basePolicy, buildTestBroker, STS, type PolicyDoc, type TestBroker, type TestBrokerOptions } from './broker.js';

export const RECEIVER = 'tickets-api';
export const OTHER_RECEIVER = 'billing-api';

/** basePolicy plus two resource servers that may subscribe (and introspect), and a tier for them. */
export function ssfPolicy(issuer: string, base: PolicyDoc = basePolicy()): PolicyDoc {
  const tiers = base.tiers as Record<string, unknown>;
  tiers['resource-server'] = { description: 'APIs that check tokens', scopes: ['ssf:stream', 'sts:introspect'], max_ttl: '15m', review_every: '180d' };
  tiers.introspector = { description: 'Introspects only', scopes: ['sts:introspect'], max_ttl: '15m', review_every: '180d' };
  const receiver = (id: string) => agentDoc(id, {
    tier: 'resource-server',
    intents: [{ name: 'subscribe', description: 'Receive revocations', audience: issuer, scopes: ['ssf:stream'] }],
  });
  const introspector = agentDoc('introspector', {
    tier: 'introspector',
    intents: [{ name: 'introspect', description: 'Introspect', audience: issuer, scopes: ['sts:introspect'] }],
  });
  base.agents = [...(base.agents as PolicyDoc[]), receiver(RECEIVER), receiver(OTHER_RECEIVER), introspector];
  return base;
}

export const SSF_ADMIN_KEY = 'ssf-admin-key-0000000000000001';

/** An admin operator (static key SSF_ADMIN_KEY) added to a policy. */
export function withSsfOperator(doc: PolicyDoc): PolicyDoc {
  doc.operators = [{ id: 'root@example.com', role: 'admin', key_sha256: createHash('sha256').update(SSF_ADMIN_KEY).digest('hex') }];
  return doc;
}

/** A token of `agentId` for the broker itself (its subscribe intent): what stream management and polls need. */
export async function receiverToken(broker: Pick<TestBroker, 'exchange' | 'attest'>, agentId = RECEIVER, audience = STS): Promise<string> {
  const res = await broker.exchange(await broker.attest(`system:serviceaccount:agents:${agentId}`), { audience });
  if (res.statusCode !== 200) throw new Error(`token for ${agentId}: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

/** The in-process test broker with the SSF policy, an admin operator, and calls as a receiver and as the operator. */
export async function ssfTestBroker(options: TestBrokerOptions = {}) {
  const broker = await buildTestBroker({ ...options, policy: options.policy ?? withSsfOperator(ssfPolicy(STS)), env: { STS_RATE_LIMIT_ADDRESS: '100000/1s', ...options.env } });
  const tokens = new Map<string, string>();
  const tokenOf = async (agentId: string) => {
    let token = tokens.get(agentId);
    if (!token) tokens.set(agentId, (token = await receiverToken(broker, agentId)));
    return token;
  };
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown, agentId = RECEIVER) =>
    broker.app.inject({ method, url, headers: { authorization: `Bearer ${await tokenOf(agentId)}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  const admin = (url: string, payload: object = {}) =>
    broker.app.inject({ method: 'POST', url: `/admin${url}`, headers: { authorization: `Bearer ${SSF_ADMIN_KEY}` }, payload });
  return { broker, call, admin };
}

export interface PushReceiver {
  url: string;
  /** SETs received, in order, with the Authorization header that came with each. */
  received: Array<{ set: string; authorization: string | undefined; contentType: string | undefined }>;
  /** What to answer next: a status, an optional JSON body and headers (default 202). */
  answer: (request: IncomingMessage) => { status: number; body?: unknown; headers?: Record<string, string> };
  /** Resolves once `count` SETs have been received in all. */
  waitFor(count: number, withinMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPushReceiver(path = '/events'): Promise<PushReceiver> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const receiver: PushReceiver = {
    url: '',
    received: [],
    answer: () => ({ status: 202 }),
    waitFor(count, withinMs = 5_000) {
      if (receiver.received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${receiver.received.length} of ${count} SETs within ${withinMs} ms`)), withinMs);
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { status, body, headers } = receiver.answer(request);
      if (status === 202 || status === 200) {
        receiver.received.push({ set: Buffer.concat(chunks).toString('utf8'), authorization: request.headers.authorization, contentType: request.headers['content-type'] });
        for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      response.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
