/**
 * The online check (RFC 7662) against the real broker: the resource server gets its own token
 * with agent-sts/client, a revoked token is refused online at once while offline it is still
 * accepted until it expires (what offline verification cannot see), and an unreachable
 * introspection endpoint is a 503, never a pass.
 */
import t from 'tap';
import { createVerifier, VerifyError } from '../../src/verifier/index.js';
import { agentDoc, basePolicy, TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker } from '../helpers/listening-broker.js';

function policyWithResourceServer(issuer: string) {
  const policy = basePolicy();
  (policy.tiers as Record<string, unknown>)['resource-server'] = { description: 'Introspects', scopes: ['sts:introspect'], max_ttl: '15m', review_every: '180d' };
  policy.agents = [
    agentDoc('ticket-summarizer'),
    agentDoc('tickets-api', {
      tier: 'resource-server',
      intents: [{ name: 'introspect', description: 'Check tokens', audience: issuer, scopes: ['sts:introspect'] }],
      introspects: [TICKETS],
    }),
  ];
  return policy;
}

t.test('online checks see a revocation at once; offline checks at expiry', async (t) => {
  const broker = await listeningBroker({ policy: policyWithResourceServer });
  t.teardown(broker.close);
  const { client: ownClient, counter } = await agentClient(broker, { agentId: 'tickets-api' });
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, introspection: { client: ownClient } });
  const token = (await broker.exchange(await broker.attest())).json().access_token as string;

  t.match(await verifier.verify(token, { online: true }), { agent: 'ticket-summarizer' }, 'active: accepted online');
  await verifier.verify(token, { online: true });
  t.equal(counter.calls('/oauth/introspect'), 2, 'one introspection per online check');
  t.equal(counter.calls('/oauth/token'), 1, 'the resource server\'s own token is cached');

  const revoked = await fetch(`${broker.issuer}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token }) });
  t.equal(revoked.status, 200);
  t.ok(await verifier.verify(token), 'offline: a revoked token is still accepted until it expires (documented)');
  const online = await verifier.verify(token, { online: true }).catch((e: unknown) => e);
  t.type(online, VerifyError);
  t.match(online, { code: 'invalid_token', reason: 'inactive', status: 401 });

  const strict = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, introspection: { client: ownClient, always: true } });
  t.match(await strict.verify(token).catch((e: unknown) => e), { name: 'VerifyError', reason: 'inactive' }, 'always: every call is online');

  const offlineOnly = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock });
  await t.rejects(offlineOnly.verify(token, { online: true }), TypeError, 'online without an introspection client is a programming error');

  const fresh = (await broker.exchange(await broker.attest())).json().access_token as string;
  await verifier.verify(fresh);
  await broker.app.close();
  t.match(await verifier.verify(fresh, { online: true }).catch((e: unknown) => e), { name: 'VerifyError', code: 'temporarily_unavailable', reason: 'introspection_unavailable', status: 503 }, 'no answer: refused, not passed');
});
