/**
 * The RFC 8935 push receiver of the fastify plugin: the broker POSTs each SET as
 * `application/secevent+jwt` (bounded) to the route the stream names, with the secret
 * authorization header the verifier gave the stream. The answer is 202, or 400 with an RFC
 * 8935 §2.4 error (`invalid_key` asks the broker to try again), or 401 without the secret
 * (with its `Bearer` challenge, push-authorization.ts).
 * The route is public to agents (no access token): the SET's signature and the secret are
 * its authentication.
 */
import type { FastifyInstance } from 'fastify';
import type { RevocationFeed } from '../verifier/index.js';

const MAX_SET_BYTES = 16 * 1024;

export async function registerRevocationReceiver(app: FastifyInstance, feed: RevocationFeed): Promise<void> {
  if (!feed.pushEndpoint) return;
  const path = new URL(feed.pushEndpoint).pathname;
  await app.register(async (receiver) => {
    receiver.addContentTypeParser('application/secevent+jwt', { parseAs: 'string', bodyLimit: MAX_SET_BYTES }, (_request, body, done) => done(null, body));
    receiver.post(path, { config: { agent: false }, bodyLimit: MAX_SET_BYTES }, async (request, reply) => {
      // RFC 8935 §2: the body is the SET itself, as application/secevent+jwt (fastify also parses text/plain).
      if (!/^application\/secevent\+jwt\b/i.test(request.headers['content-type'] ?? '') || typeof request.body !== 'string') {
        return reply.code(415).send({ err: 'invalid_request', description: 'expected application/secevent+jwt' });
      }
      const answer = await feed.receive(request.body, request.headers.authorization);
      void reply.code(answer.status).headers(answer.headers ?? {}).header('cache-control', 'no-store');
      return answer.body ? reply.send(answer.body) : reply.send();
    });
  });
}
