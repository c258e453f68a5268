/**
 * Issue 3: a revocation or a suspension made on one instance is honoured by every other
 * within one second. Two broker instances on one real Redis; each change goes through A's
 * admin API, and B is polled every 10 ms until it refuses.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { SCRIPTS } from '../../src/store/redis/scripts.js';
import { startRedis } from '../helpers/redis.js';
import { buildRedisBrokers, k8sSubject, median, multiInstancePolicy, pollUntil } from '../helpers/redis-broker.js';

const BOUND_MS = 1000;
const redis = await startRedis();
t.teardown(() => redis.stop());
const brokers = await buildRedisBrokers({ redisUrl: redis.url, policy: multiInstancePolicy(['suspend-me', 'revoke-me']) });
t.teardown(() => brokers.close());
const [a, b] = brokers.instances as [NonNullable<typeof brokers.instances[0]>, NonNullable<typeof brokers.instances[1]>];
const callerB = await b.callerToken();

const activeOnB = async (token: string) => {
  const res = await b.introspect(token, callerB);
  if (res.statusCode !== 200) throw new Error(`introspection on B: ${res.statusCode} ${res.body}`);
  return (res.json() as { active: boolean }).active;
};

t.test('a token revoked through A is inactive on B within 1 s', async (t) => {
  const token = await a.mint();
  t.equal(await activeOnB(token), true, 'active on B before');
  const jti = (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;
  const res = await a.admin('/tokens/revoke', { jti, reason: 'test' });
  t.equal(res.statusCode, 200, res.body);
  const elapsed = await pollUntil(async () => !(await activeOnB(token)), BOUND_MS);
  t.not(elapsed, null, 'B says inactive within 1 s');
  t.comment(`token revocation A -> B: ${elapsed?.toFixed(1)} ms`);
});

t.test('a token revoked by its holder on A (RFC 7009) is inactive on B within 1 s', async (t) => {
  const token = await a.mint();
  t.equal(await activeOnB(token), true, 'active on B before');
  t.equal((await a.form('/oauth/revoke', { token })).statusCode, 200);
  const elapsed = await pollUntil(async () => !(await activeOnB(token)), BOUND_MS);
  t.not(elapsed, null, 'B says inactive within 1 s');
});

t.test('an agent suspended through A is refused by B within 1 s', async (t) => {
  const attestation = await b.attest(k8sSubject('suspend-me'));
  t.equal((await b.exchange(attestation)).statusCode, 200, 'B mints before');
  const res = await a.admin('/agents/suspend-me/suspend', { reason: 'incident 42' });
  t.equal(res.statusCode, 200, res.body);
  let last = 0;
  const elapsed = await pollUntil(async () => {
    const r = await b.exchange(attestation);
    last = r.statusCode;
    return r.statusCode !== 200;
  }, BOUND_MS);
  t.not(elapsed, null, 'B refuses within 1 s');
  t.equal(last, 400, 'an OAuth refusal');
  t.comment(`suspension A -> B: ${elapsed?.toFixed(1)} ms`);
  t.equal((await a.admin('/agents/suspend-me/resume', { reason: 'resolved' })).statusCode, 200);
  t.not(await pollUntil(async () => (await b.exchange(attestation)).statusCode === 200, BOUND_MS), null, 'resumed on B too');
});

t.test('revoking all of an agent\'s tokens through A: B says inactive and refuses within 1 s', async (t) => {
  const tokens = [await a.mint('revoke-me'), await b.mint('revoke-me')];
  for (const token of tokens) t.equal(await activeOnB(token), true);
  const res = await a.admin('/agents/revoke-me/revoke', { reason: 'key leak' });
  t.equal(res.statusCode, 200, res.body);
  const elapsed = await pollUntil(async () => {
    const states = await Promise.all(tokens.map(activeOnB));
    return states.every((s) => !s);
  }, BOUND_MS);
  t.not(elapsed, null, 'all inactive on B within 1 s');
  t.comment(`agent revocation A -> B: ${elapsed?.toFixed(1)} ms`);
  t.not((await b.exchange(await b.attest(k8sSubject('revoke-me')))).statusCode, 200, 'and B mints no new token');
});

t.test('propagation over 100 token revocations (A revokes, B introspects)', async (t) => {
  const figures: number[] = [];
  const afterAck: number[] = [];
  for (let i = 0; i < 100; i++) {
    const token = await a.mint();
    const jti = (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti;
    const started = performance.now();
    const res = await a.admin('/tokens/revoke', { jti });
    if (res.statusCode !== 200) throw new Error(`revoke: ${res.statusCode} ${res.body}`);
    // Measured from the moment the revocation was sent to A, polling B every 10 ms.
    const elapsed = await pollUntil(async () => !(await activeOnB(token)), BOUND_MS);
    if (elapsed === null) {
      t.fail(`revocation ${i} not seen on B within 1 s`);
      continue;
    }
    figures.push(performance.now() - started);
    afterAck.push(elapsed);
  }
  t.equal(figures.length, 100, 'every revocation seen on B within 1 s');
  t.comment(`propagation over ${figures.length} revocations: median ${median(figures).toFixed(2)} ms, worst ${Math.max(...figures).toFixed(2)} ms ` +
    '(from sending the revocation to A until B first says inactive)');
  t.comment(`after A acknowledged: median ${median(afterAck).toFixed(2)} ms, worst ${Math.max(...afterAck).toFixed(2)} ms`);
});

t.test('a minted token waits on one Redis round trip: the mint check; every other write is batched', async (t) => {
  // Every command A's store client sends is seen here (each one round trip; EVALSHA scripts are one).
  const client = a.store.redis as unknown as { sendCommand(command: { name: string; args: unknown[] }): unknown };
  const original = client.sendCommand.bind(client);
  const mintCheckSha = createHash('sha1').update(SCRIPTS.stsCheckMint.lua).digest('hex');
  const isMintCheck = (command: { name: string; args: unknown[] }) => command.name === 'evalsha' && String(command.args[0]) === mintCheckSha;
  const names: string[] = [];
  // While a request runs, every command but the mint check is held back unsent: a response that
  // waited on any of them would never come.
  let held: Array<() => void> | null = null;
  client.sendCommand = (command) => {
    names.push(isMintCheck(command) ? 'mint-check' : command.name);
    if (held !== null && !isMintCheck(command)) {
      held.push(() => void original(command));
      return undefined;
    }
    return original(command);
  };
  const release = () => {
    const pending = held ?? [];
    held = null;
    for (const send of pending) send();
  };
  t.teardown(() => {
    release();
    client.sendCommand = original;
  });
  // The writes no request waits on are batched: the count of commands sent settles once they are out.
  const settled = () => pollUntil(async () => {
    const count = names.length;
    await new Promise((r) => setTimeout(r, 100));
    return names.length === count;
  }, 5000, 0);
  const n = 50;
  const attestations = await Promise.all(Array.from({ length: n }, () => a.attest()));
  t.not(await settled(), null, 'earlier writes are out');
  names.length = 0;
  let mintChecks = 0;
  let answered = 0;
  for (const attestation of attestations) {
    const before = names.length;
    held = [];
    const outcome = await Promise.race([
      a.exchange(attestation).then((res) => res.statusCode),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5_000).unref()),
    ]);
    const during = names.slice(before);
    release();
    if (outcome !== 200) {
      t.fail(`exchange ${answered + 1}: ${outcome === 'waited' ? 'the response waited on a held command' : `status ${outcome}`} [${during.join(' ')}]`);
      return;
    }
    answered++;
    mintChecks += during.filter((name) => name === 'mint-check').length;
  }
  t.equal(answered, n, 'every token was issued with only the mint check answered');
  t.equal(mintChecks, n, 'one mint check per token');
  t.not(await settled(), null, 'the batched writes of these tokens are out');
  const byName = new Map<string, number>();
  for (const name of names) byName.set(name, (byName.get(name) ?? 0) + 1);
  t.comment(`Redis commands per minted token over ${n} exchanges: ${(names.length / n).toFixed(2)} in all, one awaited ` +
    `[${[...byName].map(([k, v]) => `${k}=${(v / n).toFixed(2)}`).join(' ')}]`);
});
