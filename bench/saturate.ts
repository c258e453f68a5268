/**
 * Saturated (closed-loop) throughput with autocannon: `connections` keep-alive connections
 * each send the next request as soon as the previous answer arrives, every request taking
 * the next pre-built body, so no token is presented twice.
 */
import autocannon from 'autocannon';
import { FORM_HEADERS } from './requests.js';

export interface SaturatedResult {
  rps: number;
  /** All answered requests per second, successful or not. */
  attempted_rps: number;
  requests: number;
  ok: number;
  failed: number;
  errors: number;
  /** Bodies reused because the pre-built supply ran out (then tokens repeat). */
  reused: number;
  sampleError?: string;
}

export async function saturate(url: string, bodies: string[], seconds: number, connections: number): Promise<SaturatedResult> {
  let next = 0;
  let reused = 0;
  let sampleError: string | undefined;
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    requests: [{
      method: 'POST',
      path: '/oauth/token',
      headers: { ...FORM_HEADERS },
      setupRequest: (req) => {
        if (next >= bodies.length) reused++;
        const body = bodies[next++ % bodies.length] as string;
        return { ...req, body };
      },
      onResponse: (status, body) => {
        if (status !== 200 && sampleError === undefined) sampleError = `${status} ${String(body).slice(0, 300)}`;
      },
    }],
  });
  const result = await instance;
  const ok = result['2xx'];
  const failed = result.non2xx;
  return { rps: ok / seconds, attempted_rps: (ok + failed) / seconds, requests: ok + failed + result.errors, ok, failed, errors: result.errors + result.timeouts, reused, ...(sampleError ? { sampleError } : {}) };
}
