/**
 * A policy and clients for delegation tests: a people's identity provider (IDP) with its own
 * key, an assistant agent that acts for people, tool servers that serve an audience and act
 * onward, and requests that present a person's token with the agent's attestation as actor.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { agentDoc, basePolicy, keyPair, type KeyPair, type PolicyDoc, type TestBroker } from './broker.js';

export const IDP = 'https://idp.test';
export const MAIL = 'https://mail.test';
export const TOOLS = 'https://tools.test';
export const EXPENSES = 'https://expenses.test';
export const METRICS = 'https://metrics.test';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const k8s = (id: string) => [{ issuer: 'https://k8s.test', subject: `system:serviceaccount:agents:${id}`, claims: { '/kubernetes.io/namespace': 'agents' } }];

export function delegationPolicy(): PolicyDoc {
  const doc = basePolicy();
  Object.assign(doc.tiers as Record<string, unknown>, {
    assistant: { description: 'Acts for people', scopes: ['*:read', '*:send', '*:file'], max_ttl: '10m', review_every: '90d', max_delegation_depth: 2 },
    shallow: { description: 'One hop only', scopes: ['*:read', '*:file'], max_ttl: '10m', review_every: '90d' },
  });
  doc.user_issuers = [{ issuer: IDP, jwks_file: 'idp.jwks.json', audience: 'agent-sts', algorithms: ['ES256'] }];
  doc.agents = [
    ...(doc.agents as PolicyDoc[]),
    agentDoc('mail-assistant', {
      tier: 'assistant',
      attestation: k8s('mail-assistant'),
      intents: [
        { name: 'read-mail', audience: MAIL, scopes: ['mail:read', 'mail:send'], on_behalf_of: 'required' },
        { name: 'file-expense', audience: TOOLS, scopes: ['expenses:file', 'mail:read'], on_behalf_of: 'allowed' },
        { name: 'own-metrics', audience: METRICS, scopes: ['metrics:read'] },
      ],
    }),
    agentDoc('expense-tool', {
      tier: 'assistant', serves: [TOOLS], attestation: k8s('expense-tool'),
      intents: [{ name: 'submit', audience: EXPENSES, scopes: ['expenses:file'], on_behalf_of: 'allowed' }],
    }),
    agentDoc('shallow-tool', {
      tier: 'shallow', serves: [TOOLS], attestation: k8s('shallow-tool'),
      intents: [{ name: 'submit', audience: EXPENSES, scopes: ['expenses:file'], on_behalf_of: 'allowed' }],
    }),
    agentDoc('deaf-tool', {
      tier: 'assistant', attestation: k8s('deaf-tool'),
      intents: [{ name: 'submit', audience: EXPENSES, scopes: ['expenses:file'], on_behalf_of: 'allowed' }],
    }),
  ];
  return doc;
}

export async function idpKey(): Promise<KeyPair> {
  return keyPair('ES256', 'idp-1');
}

export interface PersonOptions { scope?: string; scp?: string[]; ttlS?: number; mayAct?: Record<string, string>; act?: Record<string, unknown>; aud?: string; iatOffsetS?: number; key?: KeyPair }

/** A person's access token from the IDP, as the broker's `user_issuers` entry expects it. */
export function personToken(broker: Pick<TestBroker, 'clock'>, key: KeyPair, sub = 'alice', o: PersonOptions = {}): Promise<string> {
  const iat = Math.floor(broker.clock() / 1000) + (o.iatOffsetS ?? 0);
  // With scp (an array, as several identity providers issue), scope only when given too.
  const scope = o.scp && o.scope === undefined ? {} : { scope: o.scope ?? 'mail:read mail:send expenses:file' };
  const claims: JWTPayload = { ...scope, ...(o.scp ? { scp: o.scp } : {}), jti: randomUUID(), ...(o.mayAct ? { may_act: o.mayAct } : {}), ...(o.act ? { act: o.act } : {}) };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' })
    .setIssuer(IDP)
    .setSubject(sub)
    .setAudience(o.aud ?? 'agent-sts')
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.ttlS ?? 3600))
    .sign((o.key ?? key).privateKey);
}

/** A delegated token exchange: the subject token acted on, the agent's own attestation as actor. */
export function delegated(broker: TestBroker, subjectToken: string, actorToken: string | undefined, extra: Record<string, string> = {}) {
  return broker.token({
    grant_type: TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: extra.subject_token_type ?? ACCESS_TOKEN_TYPE,
    ...(actorToken === undefined ? {} : { actor_token: actorToken, actor_token_type: JWT_TYPE }),
    ...extra,
  });
}

export const agentSubject = (id: string) => `system:serviceaccount:agents:${id}`;
