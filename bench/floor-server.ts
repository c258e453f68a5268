/**
 * The floor: a bare fastify route doing the broker's unavoidable crypto (one ES256 verify
 * of the presented JWT, one ES256 sign of a new one) with node:crypto, and nothing else: no
 * policy, no store, no audit. Run as a child process by bench/run.ts; prints `READY <port>`.
 */
import { createPublicKey } from 'node:crypto';
import Fastify from 'fastify';
import { generateEs256, signEs256, uuid, verifyEs256 } from './jwt.js';

const verifyJwk = process.env.FLOOR_VERIFY_JWK;
if (!verifyJwk) throw new Error('FLOOR_VERIFY_JWK is required');
const verifyKey = createPublicKey({ key: JSON.parse(verifyJwk) as Record<string, string>, format: 'jwk' });
const signingKey = generateEs256('floor-1');

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
  const accessToken = signEs256(signingKey, {
    iss: 'http://127.0.0.1', sub: claims.sub, aud: form.audience, scope: 'tickets:read',
    jti: uuid(), iat: nowS, exp: nowS + 300,
  }, 'at+jwt');
  return { access_token: accessToken, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 300 };
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${new URL(address).port}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
