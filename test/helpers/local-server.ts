/**
 * A small HTTP server for the negative cases a real broker cannot produce (a 500 from the
 * token endpoint, a token with the wrong typ, an oversized JWKS). It serves RFC 8414
 * metadata naming itself as issuer, and whatever handlers a test gives per path.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

export interface LocalServer {
  url: string;
  hits(path: string): number;
  close(): Promise<void>;
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Metadata at the RFC 8414 path, with `endpoints` overriding the defaults (relative to the server). */
export async function localServer(routes: Record<string, Handler>, endpoints: Record<string, string> = {}): Promise<LocalServer> {
  const hits = new Map<string, number>();
  let url = '';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', url).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (path === '/.well-known/oauth-authorization-server' && !routes[path]) {
        json(response, 200, { issuer: url, token_endpoint: `${url}/token`, jwks_uri: `${url}/jwks`, introspection_endpoint: `${url}/introspect`, ...endpoints });
        return;
      }
      const handler = routes[path];
      if (handler) handler(request, response, Buffer.concat(chunks).toString('utf8'));
      else json(response, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits: (path) => hits.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
