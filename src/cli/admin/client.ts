/** A small client for the admin API: STS_URL + STS_ADMIN_KEY, JSON in and out. */

export type Fetch = typeof fetch;

export class AdminApiError extends Error {
  readonly status: number;
  /** The broker's OAuth error code, `unreachable`, or `http_error` for a reply that is not ours. */
  readonly code: string;
  constructor(status: number, message: string, code = 'http_error') {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
  }
}

export interface AdminClient {
  get(path: string, query?: Record<string, string | undefined>): Promise<unknown>;
  post(path: string, body: Record<string, unknown>): Promise<unknown>;
}

const TIMEOUT_MS = 15_000;

export function createAdminClient(baseUrl: string, key: string, fetchImpl: Fetch): AdminClient {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: Record<string, unknown>): Promise<unknown> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new AdminApiError(0, `cannot reach ${base}: ${(error as Error).message}`, 'unreachable');
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): report the status only.
    }
    if (!response.ok) {
      const e = parsed as { error?: unknown; error_description?: unknown } | null;
      const detail = typeof e?.error === 'string' ? `${e.error}: ${String(e.error_description ?? '')}` : `HTTP ${response.status}`;
      throw new AdminApiError(response.status, detail, typeof e?.error === 'string' ? e.error : 'http_error');
    }
    return parsed;
  };
  return {
    get(path, query = {}) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
      const qs = params.toString();
      return call('GET', qs ? `${path}?${qs}` : path);
    },
    post: (path, body) => call('POST', path, body),
  };
}
