/**
 * Delegation across instances: suspending or revoking an agent anywhere in a token's act chain
 * makes the token inactive at introspection and refuses further hops on every instance within
 * 1 s, and revoking a person's tokens does the same for everything issued on their behalf.
 */
import t from 'tap';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, multiInstancePolicy, pollUntil, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { agentSubject, delegationPolicy, EXPENSES, IDP, idpKey, personToken, TOOLS } from '../helpers/delegation.js';
import type { TestBroker } from '../helpers/broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const idp = await idpKey();
const brokers = await buildRedisBrokers({
  redisUrl: redis.url,
  policy: multiInstancePolicy([], {}, delegationPolicy()),
  files: { 'idp.jwks.json': { keys: [idp.publicJwk] } },
});
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];

const exchangeOn = (x: RedisBrokerInstance, subject: string, actor: string, audience: string) =>
  x.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    actor_token: actor, actor_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience,
  });

/** person -> mail-assistant (hop 1) -> expense-tool (hop 2), both minted on A. */
async function chain(sub: string) {
  const personal = await personToken(a as unknown as TestBroker, idp, sub, { scope: 'expenses:file mail:read' });
  const first = await exchangeOn(a, personal, await a.attest(agentSubject('mail-assistant')), TOOLS);
  if (first.statusCode !== 200) throw new Error(`hop 1: ${first.body}`);
  const hop1 = first.json().access_token as string;
  const second = await exchangeOn(a, hop1, await a.attest(agentSubject('expense-tool')), EXPENSES);
  if (second.statusCode !== 200) throw new Error(`hop 2: ${second.body}`);
  return { hop1, hop2: second.json().access_token as string };
}

const activeOn = async (x: RedisBrokerInstance, token: string) => {
  const res = await x.introspect(token, await x.callerToken());
  return res.json() as { active: boolean; act?: unknown; subject_issuer?: string };
};

t.test('suspending an agent of the chain ends the tokens that pass through it', async (t) => {
  const { hop2 } = await chain('bob');
  t.equal((await a.admin('/agents/expense-tool/suspend', { reason: 'investigating' })).statusCode, 200);
  t.not(await pollUntil(async () => !(await activeOn(b, hop2)).active, 1000, 20), null, 'inactive on B');
  t.equal((await a.admin('/agents/expense-tool/resume', { reason: 'cleared' })).statusCode, 200);
  t.equal((await activeOn(b, hop2)).active, true, 'and live again once it is resumed (suspension is not revocation)');
});

t.test('revoking a person\'s tokens ends everything issued on their behalf, on every instance', async (t) => {
  const { hop1, hop2 } = await chain('carol');
  const other = await chain('dave');
  const res = await a.admin('/people/revoke', { issuer: IDP, subject: 'carol', reason: 'account compromised' });
  t.equal(res.statusCode, 200, res.body);
  t.not(await pollUntil(async () => !(await activeOn(b, hop2)).active && !(await activeOn(b, hop1)).active, 1000, 20), null, 'both hops inactive on B');
  t.equal((await activeOn(b, other.hop2)).active, true, 'another person\'s tokens are untouched');
});

// Last: an agent revocation reaches a few seconds into the future (clock skew between instances).
t.test('revoking the middle agent kills the downstream token on the other instance within 1 s', async (t) => {
  const { hop1, hop2 } = await chain('alice');
  t.equal((await activeOn(b, hop2)).active, true, 'active on B');
  t.equal((await a.admin('/agents/mail-assistant/revoke', { reason: 'compromised' })).statusCode, 200);
  const dead = await pollUntil(async () => !(await activeOn(b, hop2)).active, 1000, 20);
  t.not(dead, null, `hop 2 inactive on B within 1 s (${dead?.toFixed(0)} ms)`);
  const onward = await exchangeOn(b, hop1, await b.attest(agentSubject('expense-tool')), EXPENSES);
  t.equal(onward.statusCode, 400, 'and no further hop from a token it is part of');
});

