/**
 * POST /oauth/token (RFC 6749 §3.2): HTTP glue around the exchange (src/exchange). The flood
 * guard runs before the body is read; whatever fastify refuses itself (a body too large, an
 * unparsable one) is recorded by the exchange like any other denial.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Exchange, ExchangeResult } from '../exchange/index.js';
import { NO_STORE } from '../http/error-handler.js';

export async function tokenRoute(app: FastifyInstance, options: { exchange: Exchange }): Promise<void> {
  const { exchange } = options;
  app.post('/oauth/token', {
    onRequest: async (request, reply) => {
      const refused = exchange.admit(request.url, request.ip, request.log);
      if (refused) return send(reply, refused);
    },
    errorHandler: async (error, request, reply) => send(reply, await exchange.refuse(error, request.ip, request.log)),
    handler: async (request, reply) => send(reply, await exchange.exchange(request.body, request.headers, request.ip, request.log)),
  });
}

/** Every answer of the token endpoint, success or error, is never cached (RFC 6749 §5.1, §5.2). */
function send(reply: FastifyReply, result: ExchangeResult): FastifyReply {
  // Two calls rather than one merged object: `{ ...a, ...b }` costs a new hidden class per call.
  return reply.status(result.status).headers(NO_STORE).headers(result.headers).type('application/json').send(result.body);
}
