/**
 * RFC 8936 poll delivery at the stream's endpoint_url. The long poll ends early when the
 * receiver goes away or the broker closes. A malformed request is answered as RFC 8936
 * §2.4.4 says: 400 with `{"err": "invalid_request", "description": ...}`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toOAuthError, oauthErrorHandler, type TypeBoxApp } from '../../http/index.js';
import { OAuthError } from '../../errors.js';
import { POLL_METHOD, type Transmitter } from '../../ssf/index.js';
import { PollBody, PollParams } from './schemas.js';

/** Acknowledgements of up to 500 jtis and 100 errors fit well within this. */
const POLL_BODY_LIMIT = 128 * 1024;

export function registerPollRoute(app: TypeBoxApp, transmitter: Transmitter, closing: AbortSignal): void {
  app.post('/ssf/poll/:stream_id', {
    bodyLimit: POLL_BODY_LIMIT,
    schema: { params: PollParams, body: PollBody },
    errorHandler: pollErrorHandler,
  }, async (request, reply) => {
    const stream = await transmitter.management.owned(request.ssfReceiver as string, request.params.stream_id);
    if (stream.delivery.method !== POLL_METHOD) throw new OAuthError('not_found', 'no such poll stream for this receiver');
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    // The receiver may have gone before this handler ran (its 'close' already passed).
    if (request.raw.socket?.destroyed) gone.abort();
    const answer = await transmitter.polls.poll(stream, request.body ?? {}, AbortSignal.any([gone.signal, closing]));
    return reply.header('cache-control', 'no-store').send(answer);
  });
}

function pollErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = toOAuthError(error);
  if (oauth.status !== 400) return oauthErrorHandler(error, request, reply);
  request.log.info({ reason: oauth.reason }, 'poll request refused');
  return reply.code(400).header('cache-control', 'no-store').send({ err: 'invalid_request', description: oauth.description });
}
