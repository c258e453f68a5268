import { createHash } from 'node:crypto';
import t from 'tap';
import { basePolicy, buildTestBroker } from '../helpers/broker.js';

const KEY = 'admin-listener-key';

function policy() {
  const doc = basePolicy();
  doc.operators = [{ id: 'auditor@example.com', role: 'auditor', key_sha256: createHash('sha256').update(KEY).digest('hex') }];
  return doc;
}

t.test('with STS_ADMIN_PORT the admin API leaves the agents port and lives on its own listener', async (t) => {
  const broker = await buildTestBroker({ policy: policy(), env: { STS_ADMIN_PORT: '9999' } });
  t.teardown(broker.close);
  const onMain = await broker.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${KEY}` } });
  t.equal(onMain.statusCode, 404, 'not on the port agents use');

  const admin = broker.broker.adminApp;
  if (!admin) throw new Error('createBroker built no admin app with STS_ADMIN_PORT set');
  const res = await admin.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${KEY}` } });
  t.equal(res.statusCode, 200, res.body);
  t.ok(Array.isArray(res.json().agents ?? res.json()));
  t.equal((await admin.inject({ url: '/admin/agents' })).statusCode, 401, 'still authenticated');
  t.equal((await admin.inject({ method: 'POST', url: '/oauth/token' })).statusCode, 404, 'and only the admin API is there');
});
