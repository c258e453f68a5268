/**
 * The floor: a bare fastify route doing the broker's unavoidable crypto (one ES256 verify
 * of the presented JWT, one ES256 sign of a new one) with node:crypto, and nothing else: no
 * policy, no store, no audit. Run as a child process by bench/run.ts; prints `READY <port>`.
 *
 * With FLOOR_REDIS_URL and FLOOR_AUDIT_LOG it is the "floor with state" reference: the same
 * route plus only what every token must cost by the broker's own rules, and nothing of the
 * broker's code: one awaited Redis round trip (a Lua script that claims the token's jti and
 * counts the address's and the agent's windows, as the mint check does) and one audit line
 * written (group-committed, synchronously) before the answer leaves. It tells how much of
 * the gap between the broker and the floor is that mandatory work rather than the broker.
 */
import { createPublicKey } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { generateEs256, signEs256, uuid, verifyEs256 } from './jwt.js';

const verifyJwk = process.env.FLOOR_VERIFY_JWK;
if (!verifyJwk) throw new Error('FLOOR_VERIFY_JWK is required');
const verifyKey = createPublicKey({ key: JSON.parse(verifyJwk) as Record<string, string>, format: 'jwk' });
const signingKey = generateEs256('floor-1');

// The mint check's classes of work: a single-use claim, two counted windows, the agent's state.
const MINT_CHECK = `
local claimed = redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])
local address = redis.call('INCR', KEYS[2])
if address == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
local agent = redis.call('INCR', KEYS[3])
if agent == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
local state = redis.call('HMGET', KEYS[4], 'suspended', 'revoked_before')
return { claimed and 1 or 0, address, agent, state[1] or false, state[2] or false }`;

interface StateClient extends Redis {
  mintCheck(replay: string, address: string, agent: string, state: string, ttlMs: number, windowMs: number): Promise<unknown[]>;
}

function stateClient(url: string): StateClient {
  const client = new Redis(url, { enableAutoPipelining: true }); // commands of one turn share a write, as the broker's do
  client.defineCommand('mintCheck', { numberOfKeys: 4, lua: MINT_CHECK });
  return client as StateClient;
}

/** Audit lines of one event-loop turn written together, each caller released once its line is out. */
function groupCommit(path: string): (line: string) => Promise<void> {
  const fd = openSync(path, 'a', 0o600);
  let waiting: Array<() => void> = [];
  let text = '';
  const flush = () => {
    const released = waiting;
    const bytes = Buffer.from(text, 'utf8');
    waiting = [];
    text = '';
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    for (const release of released) release();
  };
  return (line) => new Promise<void>((resolve) => {
    if (waiting.length === 0) setImmediate(flush);
    waiting.push(resolve);
    text += line;
  });
}

const redis = process.env.FLOOR_REDIS_URL ? stateClient(process.env.FLOOR_REDIS_URL) : undefined;
const audit = process.env.FLOOR_AUDIT_LOG ? groupCommit(process.env.FLOOR_AUDIT_LOG) : undefined;

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body as string)));
});

app.post('/oauth/token', async (request, reply) => {
  const form = request.body as Record<string, string>;
  const token = form.subject_token ?? form.client_assertion;
  const nowS = Math.floor(Date.now() / 1000);
  let claims: Record<string, unknown>;
  try {
    claims = verifyEs256(token ?? '', verifyKey, nowS);
  } catch {
    return reply.code(400).send({ error: 'invalid_grant' });
  }
  const subject = String(claims.sub);
  if (redis) {
    const [claimed] = await redis.mintCheck(`replay:${String(claims.jti)}`, `rate:address:${request.ip}`, `rate:agent:${subject}`, `agent:${subject}`, 600_000, 1_000);
    if (claimed !== 1) return reply.code(400).send({ error: 'invalid_grant' });
  }
  const jti = uuid();
  const accessToken = signEs256(signingKey, {
    iss: 'http://127.0.0.1', sub: claims.sub, aud: form.audience, scope: 'tickets:read',
    jti, iat: nowS, exp: nowS + 300,
  }, 'at+jwt');
  if (audit) {
    await audit(`${JSON.stringify({ event: 'token.issued', at: new Date().toISOString(), agent: subject, audience: form.audience, scopes: ['tickets:read'], jti, issuer: claims.iss, subject })}\n`);
  }
  return { access_token: accessToken, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 300 };
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${new URL(address).port}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
