/**
 * A fetch for jwks_uris that also trusts a private CA bundle (STS_ISSUER_CA_FILE), for issuers
 * behind an internal PKI: Node's fetch takes no CA option, so this is a small GET over
 * node:https with the system roots plus the bundle. Bounded like every other input: the
 * response body is capped, redirects are not followed (jose asks for none), and the caller's
 * signal (jose's timeout) aborts it.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { FetchImplementation } from 'jose';

/** A JWKS is a few keys; anything larger is not one. */
export const MAX_JWKS_BYTES = 512 * 1024;

export function createCaFetch(caBundlePem: string): FetchImplementation {
  const ca = [...rootCertificates, caBundlePem];
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers = Object.fromEntries(new Headers(options.headers));
      const req = send(target, { method: 'GET', headers, signal: options.signal, ...(target.protocol === 'https:' ? { ca } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) {
            req.destroy(new Error(`the response is larger than ${MAX_JWKS_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}
