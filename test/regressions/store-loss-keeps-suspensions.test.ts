/**
 * Regression (probe of the running broker): after Redis restarted empty, tokens issued before
 * were correctly dead, but a suspended agent minted again and showed as active, and every
 * Kubernetes workload whose (reusable) projected token predated the loss was locked out until
 * the kubelet refreshed it. Now the instances write the suspensions they hold back into the
 * store, a reusable attestation from before the loss keeps working, and a resumption made
 * after the loss still wins.
 */
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, k8sSubject, multiInstancePolicy, pollUntil, type RedisBrokerInstance } from '../helpers/redis-broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, policy: multiInstancePolicy(['suspended-agent']) });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

const mintStatus = async (broker: RedisBrokerInstance, agentId: string) => (await broker.exchange(await broker.attest(k8sSubject(agentId)))).statusCode;
const agentState = async (broker: RedisBrokerInstance, agentId: string) => {
  const res = await broker.app.inject({ url: `/admin/agents/${agentId}`, headers: { authorization: 'Bearer multi-instance-operator-key-0001' } });
  return (res.json() as { agent: { state: string } }).agent.state;
};

t.test('Redis restarted empty: suspensions survive, reusable attestations keep working', async (t) => {
  t.equal((await a.admin('/agents/suspended-agent/suspend', { reason: 'incident' })).statusCode, 200);
  t.equal(await mintStatus(a, 'suspended-agent'), 400, 'suspended before the loss');
  // Every instance holds a copy (refreshed on the store event), B too, which never touched the agent.
  const held = (x: RedisBrokerInstance) => x.broker.keeper.pendingSuspension('suspended-agent', Number.NaN) !== null;
  t.ok(await pollUntil(async () => held(a) && held(b), 2000), 'A and B hold the suspension');
  const reusableFromBefore = await a.attest(k8sSubject('ticket-summarizer'), undefined, { ttlS: 3600 });
  const epochBefore = await a.store.epoch();

  await redis.restart({ keepData: false });
  const back = await pollUntil(async () => {
    const epochs = await Promise.all([a, b].map((x) => x.store.epoch().catch(() => epochBefore)));
    return epochs.every((e) => e !== epochBefore);
  }, 10_000, 50);
  t.not(back, null, 'both instances reach Redis again and see the new epoch');

  for (const broker of [a, b]) {
    t.equal(await mintStatus(broker, 'suspended-agent'), 400, `${broker.name}: the suspended agent is still refused`);
  }
  const restored = await pollUntil(async () => (await agentState(b, 'suspended-agent')) === 'suspended', 5_000, 50);
  t.not(restored, null, 'and shows as suspended again in the store (admin view)');

  const reused = await b.exchange(reusableFromBefore);
  t.equal(reused.statusCode, 200, `a reusable attestation issued before the loss still works: ${reused.body}`);
  t.equal(await mintStatus(a, 'ticket-summarizer'), 200, 'other agents are not locked out');

  t.equal((await b.admin('/agents/suspended-agent/resume', { reason: 'resolved' })).statusCode, 200);
  const resumed = await pollUntil(async () => (await mintStatus(a, 'suspended-agent')) === 200, 3_000, 50);
  t.not(resumed, null, 'a resumption after the loss wins over the restored suspension');
  await a.broker.keeper.settle();
  await b.broker.keeper.settle();
  t.equal(await agentState(a, 'suspended-agent'), 'active', 'and stays resumed');
});
