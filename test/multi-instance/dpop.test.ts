/**
 * DPoP across instances: a proof's jti is single-use on every instance (the store), and a
 * server nonce given by one instance is accepted by the others (RFC 9449 §8, §11.1).
 */
import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { createDpopProof } from '../../src/dpop/index.js';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, type RedisBrokerInstance } from '../helpers/redis-broker.js';
import { STS, TICKETS } from '../helpers/broker.js';

const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, env: { STS_DPOP_NONCE: 'true' } });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [RedisBrokerInstance, RedisBrokerInstance];
const key = { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' as const };

const send = async (x: RedisBrokerInstance, dpop: string) => x.token({
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await x.attest(),
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS,
}, { dpop });
const proof = (nonce?: string) => createDpopProof(key, { htm: 'POST', htu: `${STS}/oauth/token`, ...(nonce ? { nonce } : {}) });

t.test('a nonce from one instance works on the other; a proof is single-use across both', async (t) => {
  const ask = await send(a, proof());
  t.equal(ask.json().error, 'use_dpop_nonce');
  const nonce = ask.headers['dpop-nonce'] as string;
  const withNonce = proof(nonce);
  const onB = await send(b, withNonce);
  t.equal(onB.statusCode, 200, `B accepts A's nonce: ${onB.body}`);
  t.equal(onB.json().token_type, 'DPoP');
  const replayOnA = await send(a, withNonce);
  t.equal(replayOnA.statusCode, 400, 'the same proof on A is a replay');
  t.equal(replayOnA.json().error, 'invalid_dpop_proof');
});
