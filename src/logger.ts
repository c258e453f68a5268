/**
 * The service logger. Code never logs tokens, assertions or keys; `redact` is the second
 * line of defence for fields that might carry them by mistake. Explicit paths only: wildcard
 * paths cost on every line, and requests are serialized without headers or query anyway.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'body.subject_token',
  'body.client_assertion',
  'body.actor_token',
  'body.token',
  'subject_token',
  'client_assertion',
  'access_token',
  'token',
  'assertion',
  'private_key',
  'privateKey',
  'jwk.d',
  'key.d',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'agent-sts' }, serializers: { req: serializeRequest } }, destination);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Requests are logged by path only: a query string may carry a token a client put there by mistake. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: (request.url ?? '').split('?')[0],
    host: request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
