/**
 * Two Authorization headers on one request: node keeps the first and drops the other, so a
 * request carrying a good credential and a forged one would be judged on whichever came first
 * while a proxy or a log may have read the other. RFC 6750 §3.1: more than one credential is
 * invalid_request (400), at the admin API and at introspection alike; one is judged as usual.
 */
import { connect } from 'node:net';
import t from 'tap';
import { policyWithOperator } from '../helpers/broker.js';
import { listeningBroker } from '../helpers/listening-broker.js';

const KEY = 'an-operator-key-long-enough-to-be-a-real-one';
const { policy, admin } = policyWithOperator('ops', 'admin', KEY);
const broker = await listeningBroker({ policy });
t.teardown(broker.close);

/** A raw HTTP/1.1 request written on a socket: the header lines go out as listed, repeats included. */
function send(method: string, path: string, headers: Array<[string, string]>, body = ''): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head = '', rest = ''] = text.split('\r\n\r\n', 2);
      const status = Number(head.split(' ', 3)[1]);
      // Chunked or not, the JSON body is the one line that starts with a brace.
      resolve({ status, headers: head.toLowerCase(), body: rest.split('\r\n').find((line) => line.startsWith('{')) ?? '' });
    });
    const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', `content-length: ${Buffer.byteLength(body)}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

t.test('the admin API: one credential is judged, two are refused before either is', async (t) => {
  const one = await send('GET', '/admin/agents', [['authorization', admin.authorization as string]]);
  t.equal(one.status, 200, one.body);
  const two = await send('GET', '/admin/agents', [['authorization', admin.authorization as string], ['authorization', 'Bearer forged']]);
  t.equal(two.status, 400);
  t.same(JSON.parse(two.body), { error: 'invalid_request', error_description: 'more than one Authorization header' });
  t.match(two.headers, /www-authenticate: bearer realm="agent-sts", error="invalid_request"/);
  const reversed = await send('GET', '/admin/agents', [['authorization', 'Bearer forged'], ['authorization', admin.authorization as string]]);
  t.equal(reversed.status, 400, 'whichever comes first');
});

t.test('introspection likewise', async (t) => {
  const form = (token: string) => `token=${encodeURIComponent(token)}`;
  const contentType: [string, string] = ['content-type', 'application/x-www-form-urlencoded'];
  const two = await send('POST', '/oauth/introspect', [contentType, ['authorization', 'Bearer a'], ['authorization', 'Bearer b']], form('x'));
  t.equal(two.status, 400);
  t.equal(JSON.parse(two.body).error, 'invalid_request');
  const one = await send('POST', '/oauth/introspect', [contentType, ['authorization', 'Bearer a']], form('x'));
  t.equal(one.status, 401, 'one bad credential is invalid_token, as before');
});
