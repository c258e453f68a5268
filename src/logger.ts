/**
 * The service logger. Code never logs tokens, assertions or keys; `redact` is the second
 * line of defence for fields that might carry them by mistake. Requests are serialized without
 * headers or query anyway.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyDestination } from './log-format.js';
import { REDACTED, SECRET_FIELDS } from './secret-fields.js';

/**
 * The secret field names at the top of a log object, in a request body and in request headers
 * (fastify's `req` and a bare `headers`). Explicit paths only: a wildcard path costs on every line.
 */
const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((name) => [name, `body.${name}`, `headers.${name}`, `req.headers.${name}`]);

/**
 * Every service log line carries `stream: "service"`; audit records carry `stream: "audit"`
 * (src/audit), so the two stay apart on a shared stdout. `pretty` re-renders the lines for a
 * terminal (STS_LOG_FORMAT=pretty).
 */
export function createLogger(level: string, destination?: DestinationStream, format: 'json' | 'pretty' = 'json'): Logger {
  const out = format === 'pretty' ? prettyDestination(destination ?? process.stdout) : destination;
  return pino({ level, redact: { paths: [...REDACT_PATHS], censor: REDACTED }, base: { service: 'agent-sts', stream: 'service' }, serializers: { req: serializeRequest } }, out);
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
