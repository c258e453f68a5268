/**
 * Delivery shared through Redis by several broker instances: an action on one instance is
 * transmitted once (not once per instance), a stream created on one is polled on another, and
 * events queued while the receiver was down survive the broker's restart: a new instance
 * delivers them. Real redis-server, real HTTP receivers.
 */
import { decodeJwt } from 'jose';
import t from 'tap';
import { STS } from '../helpers/broker.js';
import { buildRedisBrokers, k8sSubject, multiInstancePolicy, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { startRedis } from '../helpers/redis.js';
import { RECEIVER, ssfPolicy, startPushReceiver } from '../helpers/ssf.js';

const redis = await startRedis();
t.teardown(() => redis.stop());

// The receivers listen on loopback while the broker's issuer is not: the operator allows it.
const ENV = { STS_SSF_RETRY_BASE: '20ms', STS_SSF_RETRY_MAX: '100ms', STS_SSF_PRIVATE_PUSH_TARGETS: 'true' };
const policy = () => ssfPolicy(STS, multiInstancePolicy());
/** Each test on its own Redis database: the transmitter's keys have a fixed prefix, as the rate limiters' do. */
let database = 0;
const brokers = async (count: number, db = ++database) =>
  buildRedisBrokers({ redisUrl: `${redis.url}/${db}`, count, policy: policy(), env: ENV });

async function receiverCall(instance: RedisBrokerInstance, method: 'POST' | 'GET', url: string, payload?: object) {
  const token = (await instance.exchange(await instance.attest(k8sSubject(RECEIVER)), { audience: STS })).json().access_token as string;
  return instance.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

const subjectOf = (set: string) => (decodeJwt(set).sub_id as { id?: string; jti?: string });

t.test('an action on one instance is pushed once, whichever instance delivers', async (t) => {
  const group = await brokers(2);
  t.teardown(group.close);
  const [a, b] = group.instances as [RedisBrokerInstance, RedisBrokerInstance];
  const receiver = await startPushReceiver();
  t.teardown(receiver.close);
  t.equal((await receiverCall(a, 'POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url } })).statusCode, 201);
  t.equal((await b.admin('/agents/ticket-summarizer/suspend', { reason: 'x' })).statusCode, 200);
  for (const jti of ['one', 'two', 'three']) await a.admin('/tokens/revoke', { jti, reason: 'x' });
  await receiver.waitFor(4);
  await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up, if there were one
  t.same(receiver.received.map(({ set }) => subjectOf(set).id ?? subjectOf(set).jti), ['ticket-summarizer', 'one', 'two', 'three'], 'each once, in order');
});

t.test('a stream created on one instance is polled on another', async (t) => {
  const group = await brokers(2);
  t.teardown(group.close);
  const [a, b] = group.instances as [RedisBrokerInstance, RedisBrokerInstance];
  const id = (await receiverCall(a, 'POST', '/ssf/stream', {})).json().stream_id as string;
  await a.admin('/agents/ticket-summarizer/revoke', { reason: 'x' });
  await a.broker.flush();
  const polled = await receiverCall(b, 'POST', `/ssf/poll/${id}`, { returnImmediately: true });
  t.same(Object.values(polled.json().sets as Record<string, string>).map((set) => subjectOf(set).id), ['ticket-summarizer']);
  const listed = await receiverCall(b, 'GET', '/ssf/stream');
  t.same(listed.json().map((s: { stream_id: string }) => s.stream_id), [id]);
});

t.test('events queued during a receiver outage are delivered after the broker restarts', async (t) => {
  const db = ++database;
  const receiver = await startPushReceiver();
  t.teardown(receiver.close);
  let down = true;
  let refused = 0;
  receiver.answer = () => (down ? (refused++, { status: 503 }) : { status: 202 });

  const before = await brokers(1, db);
  const [a] = before.instances as [RedisBrokerInstance];
  await receiverCall(a, 'POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url } });
  await a.admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  await a.admin('/tokens/revoke', { jti: 'late', reason: 'x' });
  while (refused < 2) await new Promise((r) => setTimeout(r, 10));
  await before.close(); // every instance stops; the backlog stays in Redis
  t.same(receiver.received, [], 'nothing delivered before the restart');

  down = false;
  const after = await brokers(1, db);
  t.teardown(after.close);
  await receiver.waitFor(2);
  t.same(receiver.received.map(({ set }) => subjectOf(set).id ?? subjectOf(set).jti), ['ticket-summarizer', 'late'], 'the new instance delivers them, in order');
});
