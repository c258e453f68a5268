/**
 * Regression (security probe): a receiver could set its push URL to the broker's own loopback,
 * a private address or the metadata address spelled as IPv4-translated IPv6, and the broker
 * then POSTed SETs there with a receiver-chosen Authorization header (request forgery into the
 * broker's network). By default only public addresses are push targets; a loopback broker (a
 * developer's machine, the demo) may push to loopback, and STS_SSF_PRIVATE_PUSH_TARGETS allows
 * loopback and private ones; link-local and metadata addresses never.
 */
import t from 'tap';
import { ssfTestBroker } from '../helpers/ssf.js';

const PROBED = [
  'http://127.0.0.1:8080/', 'http://0x7f000001/', 'http://[::1]:8080/admin', 'https://10.0.0.1/', 'https://192.168.1.1/',
  'https://[::ffff:0:a9fe:a9fe]/', 'https://172.16.0.1/', 'https://100.64.0.1/', 'https://[fc00::1]/', 'https://[fd12::1]/',
  'https://[::ffff:10.0.0.1]/', 'https://[::ffff:0:7f00:1]/', 'https://[::7f00:1]/', 'https://[64:ff9b::a00:1]/', 'https://[2002:c0a8:101::1]/',
  'http://localhost:8080/', 'http://sub.localhost/', 'https://[fe80::1]/',
];

t.test('a receiver cannot point push delivery at the broker\'s own or internal network', async (t) => {
  const { broker, call } = await ssfTestBroker();
  t.teardown(broker.close);
  for (const endpoint_url of PROBED) {
    const res = await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url, authorization_header: 'Bearer x' } });
    t.equal(res.statusCode, 400, endpoint_url);
  }
  t.equal((await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/e' } })).statusCode, 201, 'a public receiver');
});
