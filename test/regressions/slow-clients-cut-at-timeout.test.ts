/**
 * Regression (probe of the running broker): with STS_REQUEST_TIMEOUT=10s, a client sending its
 * headers slowly held the connection 38 s, and one sending its body slowly 68 s: Node checks
 * those timeouts only every 30 s by default. Both are now cut within about a second of the
 * configured timeout, on the agents' listener and on the metrics listener alike.
 */
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { buildTestBroker } from '../helpers/broker.js';

const TIMEOUT_MS = 1_000;
/** The timeout, plus the check interval and a margin for a loaded 2-core machine. */
const CUT_WITHIN_MS = TIMEOUT_MS + 1_200;

const broker = await buildTestBroker({ env: { STS_REQUEST_TIMEOUT: `${TIMEOUT_MS}ms`, STS_CONNECTION_TIMEOUT: '5s' } });
t.teardown(broker.close);
await broker.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = broker.app.server.address() as { port: number };
await broker.broker.metricsApp.listen({ host: '127.0.0.1', port: 0 });
const metricsPort = (broker.broker.metricsApp.server.address() as { port: number }).port;

/** Opens a connection, trickles `chunks` one per 100 ms, and resolves with the ms until the server closed it. */
function trickle(head: string, chunks: string[], to = port): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect({ host: '127.0.0.1', port: to }, () => socket.write(head));
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.writable) return;
      socket.write(chunks[i % chunks.length] ?? 'x');
      i++;
    }, 100);
    socket.on('data', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve(performance.now() - started);
    });
    socket.on('error', () => {});
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error('the connection was still open after 20 s'));
    }, 20_000).unref();
  });
}

t.test('slow headers are cut at the request timeout', async (t) => {
  const held = await trickle('POST /oauth/token HTTP/1.1\r\nHost: sts\r\nX-Slow: ', ['a']);
  t.ok(held < CUT_WITHIN_MS, `closed after ${Math.round(held)} ms (timeout ${TIMEOUT_MS} ms)`);
});

t.test('a slow body is cut at the request timeout', async (t) => {
  const head = 'POST /oauth/token HTTP/1.1\r\nHost: sts\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n';
  const held = await trickle(head, ['a']);
  t.ok(held < CUT_WITHIN_MS, `closed after ${Math.round(held)} ms (timeout ${TIMEOUT_MS} ms)`);
});

t.test('slow headers to the metrics listener are cut at the request timeout too', async (t) => {
  const held = await trickle('GET /metrics HTTP/1.1\r\nHost: sts\r\nX-Slow: ', ['a'], metricsPort);
  t.ok(held < CUT_WITHIN_MS, `closed after ${Math.round(held)} ms (timeout ${TIMEOUT_MS} ms)`);
});
