/**
 * While the server closes, requests still arriving on kept-alive connections get 503 with
 * Retry-After and `Connection: close` (RFC 9110 §15.6.4, §10.2.3), so clients retry on
 * another instance rather than fail. Fastify's own 503 on closing has no Retry-After.
 */
import type { FastifyInstance } from 'fastify';
import { NO_STORE } from './error-handler.js';

const RETRY_AFTER_S = '1';

export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A callback hook, not an async one: it runs on every request and costs less this way.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    void reply
      .status(503)
      .headers(NO_STORE)
      .header('retry-after', RETRY_AFTER_S)
      .header('connection', 'close')
      .send({ error: 'temporarily_unavailable', error_description: 'the server is shutting down; retry shortly' });
  });
}
