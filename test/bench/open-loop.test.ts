/**
 * The bench's open-loop generator is a small hand-written HTTP/1.1 client: it must send every
 * scheduled request once, read responses split across packets, tell successes from failures
 * and count a dropped connection as an error instead of waiting for it forever.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { openLoop } from '../../bench/open-loop.js';

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

t.test('every scheduled request is sent once, with its body, and answered', async (t) => {
  const seen: string[] = [];
  const { server, port } = await serve((req, body, res) => {
    t.equal(req.method, 'POST');
    t.equal(req.url, '/oauth/token');
    t.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    seen.push(body);
    const payload = JSON.stringify({ ok: body });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
  });
  t.teardown(() => server.close());
  const bodies = Array.from({ length: 60 }, (_, i) => `n=${i}&pad=${'x'.repeat(i * 50)}`);
  const result = await openLoop('127.0.0.1', port, bodies, 300, 0.2, 4);
  t.equal(result.sent, 60);
  t.equal(result.ok, 60);
  t.equal(result.failed + result.errors, 0);
  t.same([...seen].sort(), [...bodies].sort(), 'each body arrived exactly once');
  t.ok(result.p50_ms > 0 && result.p99_ms >= result.p50_ms && result.max_ms >= result.p99_ms);
});

t.test('a response written in pieces is read whole; non-200 answers are failures with a sample', async (t) => {
  let n = 0;
  const { server, port } = await serve((_req, _body, res) => {
    const status = n++ % 2 === 0 ? 200 : 429;
    const payload = JSON.stringify({ error: status === 200 ? undefined : 'slow_down', pad: 'y'.repeat(3000) });
    res.writeHead(status, { 'content-length': Buffer.byteLength(payload) });
    res.write(payload.slice(0, 10));
    setTimeout(() => res.end(payload.slice(10)), 5);
  });
  t.teardown(() => server.close());
  const result = await openLoop('127.0.0.1', port, ['a=1'], 200, 0.1, 2);
  t.equal(result.sent, 20);
  t.equal(result.ok, 10);
  t.equal(result.failed, 10);
  t.equal(result.errors, 0);
  t.match(result.sampleError, /^429 \{"error":"slow_down"/);
});

t.test('a connection the server drops is an error, and later requests use a new connection', async (t) => {
  let n = 0;
  const { server, port } = await serve((req, _body, res) => {
    if (n++ === 2) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-length': 2 }).end('{}');
  });
  t.teardown(() => server.close());
  const result = await openLoop('127.0.0.1', port, ['a=1'], 100, 0.1, 1);
  t.equal(result.sent, 10);
  t.equal(result.errors, 1);
  t.equal(result.ok, 9);
  t.match(result.sampleError, /^error /);
});
