/**
 * The verifier subscribed to the broker's revocations (OpenID Shared Signals, poll by default):
 * against a real listening broker, a token whose agent an operator suspends is refused within
 * 2 s without introspection, as are a revoked jti, tokens signed by a key withdrawn as
 * compromised and, after the stream vanished (events may have been missed), every token
 * issued before. A verifier that subscribes late still learns of a suspension made while the
 * agent's tokens live. failClosedAfterMs turns a silent stream into 503.
 */
import t, { type Test as Tap } from 'tap';
import { createVerifier, VerifyError, type Verifier } from '../../src/verifier/index.js';
import { TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker, type ListeningBroker } from '../helpers/listening-broker.js';
import { pollUntil } from '../helpers/redis-broker.js';
import { RECEIVER, receiverToken, SSF_ADMIN_KEY, ssfPolicy, withSsfOperator } from '../helpers/ssf.js';

export async function revocationBroker(t: Tap): Promise<ListeningBroker> {
  const broker = await listeningBroker({ policy: (issuer) => withSsfOperator(ssfPolicy(issuer)), env: { STS_SSF_POLL_WAIT: '1s' } });
  t.teardown(broker.close);
  return broker;
}

export const adminCall = (broker: ListeningBroker, path: string, body: object = {}) =>
  fetch(`${broker.issuer}/admin${path}`, { method: 'POST', headers: { authorization: `Bearer ${SSF_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Milliseconds until the verifier refuses the token as revoked (null: not within the bound). */
export const refusedWithin = (verifier: Verifier, token: string, withinMs: number) =>
  pollUntil(async () => (await verifier.verify(token).then(() => null, (error: unknown) => error)) instanceof VerifyError, withinMs, 20);

async function subscribed(t: Tap, broker: ListeningBroker, extra: Partial<Parameters<typeof createVerifier>[0]['revocations']> = {}) {
  const { client } = await agentClient(broker, { agentId: RECEIVER });
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, revocations: { client, ...extra } });
  // The broker first: a poll the verifier's close cuts as it connects would hold the broker's close.
  t.teardown(async () => {
    await broker.close();
    await verifier.close();
  });
  await verifier.revocations?.start();
  return verifier;
}

const mint = async (broker: ListeningBroker) => (await broker.exchange(await broker.attest())).json().access_token as string;

t.test('poll: an agent suspended through the admin API is refused within 2 s, offline', async (t) => {
  const broker = await revocationBroker(t);
  const verifier = await subscribed(t, broker);
  const token = await mint(broker);
  t.match(await verifier.verify(token), { agent: 'ticket-summarizer' }, 'accepted before');
  const suspended = performance.now();
  t.equal((await adminCall(broker, '/agents/ticket-summarizer/suspend', { reason: 'test' })).status, 200);
  const elapsed = await refusedWithin(verifier, token, 2_000);
  t.ok(elapsed !== null, `refused ${elapsed === null ? 'not within 2 s' : `${Math.round(performance.now() - suspended)} ms after the suspension`}`);
  const error = await verifier.verify(token).catch((e: unknown) => e);
  t.match(error, { code: 'invalid_token', reason: 'revoked', status: 401 });

  await adminCall(broker, '/agents/ticket-summarizer/resume');
  broker.clock.advance(10_000); // past the revocation instant and the clock tolerance
  t.match(await verifier.verify(await mint(broker)), { agent: 'ticket-summarizer' }, 'a token issued after the resumption is accepted');
});

t.test('poll: a verifier that subscribes after a suspension still refuses the agent\'s held token', async (t) => {
  const broker = await revocationBroker(t);
  const token = await mint(broker);
  t.equal((await adminCall(broker, '/agents/ticket-summarizer/suspend', { reason: 'test' })).status, 200);
  broker.clock.advance(30_000);
  const verifier = await subscribed(t, broker);
  t.not(await refusedWithin(verifier, token, 2_000), null, 'the new stream starts with the suspension');
  t.match(await verifier.verify(token).catch((e: unknown) => e), { code: 'invalid_token', reason: 'revoked' });
});

t.test('poll: a revoked jti; a withdrawn signing key', async (t) => {
  const broker = await revocationBroker(t);
  const verifier = await subscribed(t, broker);
  const [kept, revoked] = [await mint(broker), await mint(broker)];
  const holder = await fetch(`${broker.issuer}/oauth/revoke`, { method: 'POST', body: new URLSearchParams({ token: revoked }) });
  t.equal(holder.status, 200);
  t.not(await refusedWithin(verifier, revoked, 2_000), null, 'the revoked token is refused');
  t.ok(await verifier.verify(kept), 'another token of the same agent is not');

  t.equal((await adminCall(broker, '/keys/rotate', { compromised: true })).status, 200);
  t.not(await refusedWithin(verifier, kept, 2_000), null, 'every token the withdrawn key signed is refused');
  broker.clock.advance(10_000);
  t.ok(await verifier.verify(await mint(broker)), 'a token signed by the new key is accepted');
});

t.test('poll: a stream that vanished is subscribed to again; tokens issued before it are refused', async (t) => {
  const broker = await revocationBroker(t);
  const verifier = await subscribed(t, broker);
  const token = await mint(broker);
  await verifier.verify(token);
  const first = verifier.revocations?.streamId();
  const deleted = await broker.app.inject({ method: 'DELETE', url: `/ssf/stream?stream_id=${first}`, headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` } });
  t.equal(deleted.statusCode, 204);
  t.not(await refusedWithin(verifier, token, 3_000), null, 'events may have been missed: older tokens are refused');
  const renewed = await pollUntil(async () => ![undefined, first].includes(verifier.revocations?.streamId()), 3_000);
  t.not(renewed, null, 'a new stream');
  broker.clock.advance(10_000);
  t.ok(await verifier.verify(await mint(broker)), 'a fresh token is accepted');
});

t.test('failClosedAfterMs: a silent stream makes every token 503, not a pass', async (t) => {
  const broker = await revocationBroker(t);
  // The broker's fixed date, with real time flowing from it: silence is measured in real time.
  const started = performance.now();
  const now = () => broker.clock() + (performance.now() - started);
  const { client } = await agentClient(broker, { agentId: RECEIVER });
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now, revocations: { client, failClosedAfterMs: 1_500 } });
  t.teardown(() => verifier.close());
  await verifier.revocations?.start();
  const token = await mint(broker);
  t.ok(await verifier.verify(token), 'the stream answers (long polls of 1 s): accepted');
  await new Promise((r) => setTimeout(r, 1_600));
  t.ok(await verifier.verify(token), 'still accepted after longer than failClosedAfterMs: the polls keep it fresh');
  await broker.app.close();
  t.not(await refusedWithin(verifier, token, 3_000), null, 'refused once the stream has been silent for longer');
  t.match(await verifier.verify(token).catch((e: unknown) => e), { code: 'temporarily_unavailable', reason: 'revocations_unavailable', status: 503 });
});

/** Sets the verifier's stream status at the broker, as its receiver (POST /ssf/status). */
const setStatus = async (broker: ListeningBroker, streamId: string | undefined, status: string) =>
  broker.app.inject({ method: 'POST', url: '/ssf/status', headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` }, payload: { stream_id: streamId, status } });

t.test('poll: a stream disabled behind the verifier\'s back is enabled again; tokens issued before are refused', async (t) => {
  const broker = await revocationBroker(t);
  const verifier = await subscribed(t, broker);
  const token = await mint(broker);
  t.ok(await verifier.verify(token));
  const id = verifier.revocations?.streamId();
  t.equal((await setStatus(broker, id, 'disabled')).statusCode, 200);
  // A suspension while disabled is never delivered (SSF §8.1.2: nothing is held for the receiver).
  t.equal((await adminCall(broker, '/agents/ticket-summarizer/suspend', { reason: 'test' })).status, 200);
  t.not(await refusedWithin(verifier, token, 4_000), null, 'refused: what the disabled stream dropped is unknown');
  const status = await broker.app.inject({ method: 'GET', url: `/ssf/status?stream_id=${id}`, headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` } });
  t.equal(status.json().status, 'enabled', 'the verifier enabled its stream again');
});

t.test('failClosedAfterMs: empty polls of a stream that is not enabled are no contact', async (t) => {
  const broker = await revocationBroker(t);
  const started = performance.now();
  const now = () => broker.clock() + (performance.now() - started);
  const { client } = await agentClient(broker, { agentId: RECEIVER });
  // A transmitter that will not enable the stream again: the verifier cannot resync.
  const refusing = {
    fetch: (input: string | URL, init: RequestInit | undefined, target: { audience: string; scope?: string; intent?: string }) =>
      String(input).endsWith('/ssf/status') && init?.method === 'POST' ? Promise.resolve(new Response('{}', { status: 403 })) : client.fetch(input, init, target),
  };
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now, revocations: { client: refusing, failClosedAfterMs: 1_500, retry: { baseMs: 50, maxMs: 200 } } });
  t.teardown(async () => {
    await broker.close();
    await verifier.close();
  });
  await verifier.revocations?.start();
  const token = await mint(broker);
  t.ok(await verifier.verify(token), 'accepted while the stream is enabled');
  t.equal((await setStatus(broker, verifier.revocations?.streamId(), 'disabled')).statusCode, 200);
  t.not(await refusedWithin(verifier, token, 4_000), null, 'the polls still answer 200, yet the stream is silent');
  t.match(await verifier.verify(token).catch((e: unknown) => e), { code: 'temporarily_unavailable', reason: 'revocations_unavailable', status: 503 });
});

t.test('close deletes the stream at the broker', async (t) => {
  const broker = await revocationBroker(t);
  const verifier = await subscribed(t, broker);
  t.ok(verifier.revocations?.streamId());
  await verifier.close();
  const listed = await broker.app.inject({ method: 'GET', url: '/ssf/stream', headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` } });
  t.same(listed.json(), []);
});
