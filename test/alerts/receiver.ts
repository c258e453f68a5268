/** A local webhook receiver (node:http) that records deliveries and answers from a script. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

export async function startReceiver(statuses: number[] = []): Promise<{
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  const script = [...statuses];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks), headers: req.headers });
      const status = script.shift() ?? 204;
      if (status === 0) return; // never answer (timeout)
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook/secret-path`,
    deliveries,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
