/**
 * HTTP to the broker from the libraries that run inside agents and APIs: every call has a
 * timeout, every body is read up to a cap, and redirects are not followed (a redirected token
 * request would carry an attestation to whatever host the redirect names).
 */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export type BrokerCallFailure = 'network' | 'http_status' | 'invalid_response';

/** A call to the broker that did not give a usable answer. Carries no request data. */
export class BrokerCallError extends Error {
  readonly kind: BrokerCallFailure;
  readonly status: number | undefined;

  constructor(kind: BrokerCallFailure, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrokerCallError';
    this.kind = kind;
    this.status = options.status;
  }
}

export interface CallLimits {
  fetch: FetchLike;
  timeoutMs: number;
}

export async function callBroker(url: string, init: RequestInit, limits: CallLimits): Promise<Response> {
  try {
    return await limits.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(limits.timeoutMs) });
  } catch (error) {
    throw new BrokerCallError('network', `${originOf(url)} could not be reached (${reasonOf(error)})`, { cause: error });
  }
}

/** The body as text, refusing more than maxBytes (declared or actually sent). */
export async function readBody(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    if (declared > maxBytes) throw tooLarge(response.status, maxBytes);
    return '';
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(response.status, maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BrokerCallError) throw error;
    throw new BrokerCallError('network', `the answer was cut off (${reasonOf(error)})`, { status: response.status, cause: error });
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The body parsed as JSON, or undefined when it is not JSON (the caller decides what that means). */
export async function readJson(response: Response, maxBytes: number): Promise<unknown> {
  const text = await readBody(response, maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** RFC 9111 §5.2.2: how long a response may be reused; no-store and no-cache mean not at all. */
export function cacheMaxAgeMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const directives = header.toLowerCase().split(',').map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  for (const directive of directives) {
    const match = /^max-age=(\d{1,9})$/.exec(directive);
    if (match) return Number(match[1]) * 1000;
  }
  return undefined;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tooLarge(status: number, maxBytes: number): BrokerCallError {
  return new BrokerCallError('invalid_response', `the answer is larger than ${maxBytes} bytes`, { status });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the broker';
  }
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error.message;
}
