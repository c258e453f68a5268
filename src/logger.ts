/**
 * The service logger. Code never logs tokens, assertions or keys; `redact` is the second
 * line of defence for fields that might carry them by mistake.
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
  '*.subject_token',
  '*.client_assertion',
  '*.access_token',
  '*.token',
  '*.d',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'agent-sts' } }, destination);
}
