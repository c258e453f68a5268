/**
 * application/x-www-form-urlencoded bodies (RFC 6749 Appendix B). Fastify has no parser for
 * them. Repeated parameters are kept as arrays so that each endpoint decides: RFC 6749 §3.1
 * and §3.2 forbid repeating a parameter (invalid_request), while RFC 8693 §2.1 lets
 * `audience` and `resource` repeat (agent-sts answers that with invalid_target).
 */
import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../errors.js';

export type FormParams = Record<string, string | string[]>;

function parseForm(body: string): FormParams {
  const params: FormParams = Object.create(null) as FormParams;
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    if (seen === undefined) params[name] = value;
    else params[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
}

/** The body as form parameters, or invalid_request when the request was not form-encoded. */
export function formBody(contentType: string | undefined, body: unknown): FormParams {
  const [essence, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (essence !== 'application/x-www-form-urlencoded' || body === null || typeof body !== 'object') {
    throw new OAuthError('invalid_request', 'the request body must be application/x-www-form-urlencoded', { reason: 'bad_request' });
  }
  // RFC 6749 Appendix B: the body is UTF-8; another declared charset would be misread.
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new OAuthError('invalid_request', 'the request body must be UTF-8', { reason: 'bad_request' });
  }
  return body as FormParams;
}

/**
 * Credentials never travel in a URL (RFC 6750 §2.3 is not supported, RFC 6749 §3.2 uses the
 * body): a query string on an OAuth endpoint is refused, so tokens cannot end up in access logs.
 */
export function refuseQueryString(url: string): void {
  if (url.includes('?')) {
    throw new OAuthError('invalid_request', 'parameters go in the form-encoded body, never in the URL', { reason: 'bad_request' });
  }
}

/** One parameter, refusing repeats (RFC 6749 §3.2). Empty values count as absent. */
export function single(params: FormParams, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) {
    throw new OAuthError('invalid_request', `parameter ${name} must not be repeated`, { reason: 'bad_request' });
  }
  return value === '' ? undefined : value;
}

/** Every other parameter must appear at most once. */
export function refuseRepeats(params: FormParams, except: readonly string[] = []): void {
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value) && !except.includes(name)) {
      throw new OAuthError('invalid_request', `parameter ${name} must not be repeated`, { reason: 'bad_request' });
    }
  }
}
