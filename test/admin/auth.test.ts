import t from 'tap';
import { generateKeyPair } from 'jose';
import { mapRole, matchStaticKey } from '../../src/admin/index.js';
import { buildHarness, KEYS } from './helpers.js';

const ROUTES: Array<{ method: 'GET' | 'POST'; url: string; role: 'auditor' | 'operator' | 'admin'; body?: unknown }> = [
  { method: 'GET', url: '/admin/agents', role: 'auditor' },
  { method: 'GET', url: '/admin/agents/healthy', role: 'auditor' },
  { method: 'GET', url: '/admin/discovered', role: 'auditor' },
  { method: 'GET', url: '/admin/audit', role: 'auditor' },
  { method: 'POST', url: '/admin/agents/healthy/suspend', role: 'operator', body: { reason: 'test' } },
  { method: 'POST', url: '/admin/agents/healthy/resume', role: 'operator', body: {} },
  { method: 'POST', url: '/admin/agents/healthy/revoke', role: 'operator', body: { reason: 'test' } },
  { method: 'POST', url: '/admin/tokens/revoke', role: 'operator', body: { jti: 'j-1' } },
  { method: 'POST', url: '/admin/keys/rotate', role: 'admin', body: { reason: 'test' } },
];
const RANK = { auditor: 1, operator: 2, admin: 3 } as const;

// Each failed authentication below comes from its own address: failures from one address are
// aggregated in the audit trail and backed off (test/regressions/operator-auth-flood.test.ts).
let addresses = 0;
const freshAddress = () => `10.1.${Math.floor(++addresses / 250)}.${addresses % 250}`;

t.test('every route: 401 without or with a bad credential, 403 below its role, 200 at or above', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  for (const route of ROUTES) {
    const send = (headers: Record<string, string>) =>
      h.app.inject({ method: route.method, url: route.url, headers, remoteAddress: freshAddress(), ...(route.body !== undefined ? { payload: route.body as object } : {}) });
    const none = await send({});
    t.equal(none.statusCode, 401, `${route.url} without credential`);
    t.equal(none.headers['www-authenticate'], 'Bearer realm="agent-sts"');
    t.same(none.json(), {}, 'RFC 6750 section 3.1: no error information without a credential');
    const bad = await send({ authorization: 'Bearer not-a-key' });
    t.equal(bad.statusCode, 401, `${route.url} with a bad key`);
    t.match(bad.headers['www-authenticate'], /error="invalid_token"/);
    for (const role of ['auditor', 'operator', 'admin'] as const) {
      const res = await send(h.as(role));
      if (RANK[role] < RANK[route.role]) {
        t.equal(res.statusCode, 403, `${route.url} as ${role}`);
        t.equal(res.json().error, 'insufficient_scope');
      } else {
        t.equal(res.statusCode, 200, `${route.url} as ${role}: ${res.body}`);
      }
    }
  }
  const failures = h.auditLines.filter((l) => l.event === 'operator_auth_failed');
  t.equal(failures.length, ROUTES.length * 2, 'every authentication failure is audited');
  t.notMatch(JSON.stringify(h.auditLines), /not-a-key/, 'never the credential');
  t.ok(h.auditLines.some((l) => l.event === 'operator_forbidden'));
});

t.test('credential size is bounded and malformed headers refused', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const big = await h.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${'a'.repeat(9000)}` }, remoteAddress: freshAddress() });
  t.equal(big.statusCode, 401);
  const basic = await h.app.inject({ url: '/admin/agents', headers: { authorization: `Basic ${KEYS.admin}` }, remoteAddress: freshAddress() });
  t.equal(basic.statusCode, 401);
  t.match(h.auditLines.map((l) => l.reason), ['credential_too_large', 'malformed_authorization']);
});

t.test('static keys: compared against every hash; a match names the operator', async (t) => {
  const ops = [
    { id: 'a', role: 'auditor' as const, keySha256: '00'.repeat(32) },
    { id: 'b', role: 'admin' as const, keySha256: 'ff'.repeat(32) },
  ];
  t.equal(matchStaticKey('nothing', ops), null);
  const { createHash } = await import('node:crypto');
  ops[1]!.keySha256 = createHash('sha256').update('s3cret').digest('hex');
  t.equal(matchStaticKey('s3cret', ops)?.id, 'b');
});

t.test('OIDC operator JWTs', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const get = (token: string, url = '/admin/agents') => h.app.inject({ url, headers: { authorization: `Bearer ${token}` }, remoteAddress: freshAddress() });

  const auditor = await h.ssoToken({ sub: 'u1', email: 'dora@example.com', groups: 'sts-auditors' });
  t.equal((await get(auditor)).statusCode, 200, 'a good token with a string claim');
  const rotate = (token: string) => h.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: { authorization: `Bearer ${token}` }, payload: {} });
  t.equal((await rotate(auditor)).statusCode, 403);

  const many = await h.ssoToken({ sub: 'u2', groups: ['everyone', 'sts-auditors', 'sts-admins', 'sts-operators'] });
  t.equal((await rotate(many)).statusCode, 200, 'the highest role of an array claim');
  const rotated = h.auditLines.find((l) => l.event === 'keys_rotated');
  t.match(rotated, { operator: 'u2', operator_role: 'admin', operator_auth: 'oidc', operator_issuer: 'https://sso.test' });

  const noRole = await h.ssoToken({ sub: 'u3', groups: ['everyone'] });
  t.equal((await get(noRole)).statusCode, 403, 'authenticated but without a mapped role');

  const wrongAud = await h.ssoToken({ sub: 'u1', groups: 'sts-admins' }, { aud: 'someone-else' });
  t.equal((await get(wrongAud)).statusCode, 401, 'wrong audience');

  const other = await generateKeyPair('ES256');
  const forged = await h.ssoToken({ sub: 'u1', groups: 'sts-admins' }, { key: other.privateKey });
  t.equal((await get(forged)).statusCode, 401, 'signed by a key that is not the issuer\'s');

  const unknownIss = await h.ssoToken({ sub: 'u1', groups: 'sts-admins' }, { iss: 'https://evil.test' });
  t.equal((await get(unknownIss)).statusCode, 401, 'unknown issuer');

  const accessToken = await h.ssoToken({ sub: 'u1', groups: 'sts-admins' }, { typ: 'at+jwt' });
  t.equal((await get(accessToken)).statusCode, 401, 'an access token (typ at+jwt) is not a sign-on');

  h.clock.advance(600_000 + 61_000);
  t.equal((await get(many)).statusCode, 401, 'expired beyond the 60 s tolerance');
  t.match(
    h.auditLines.filter((l) => l.event === 'operator_auth_failed').map((l) => l.reason),
    ['bad_claims', 'bad_signature', 'unknown_issuer', 'wrong_typ', 'expired'],
  );
});

t.test('role mapping', async (t) => {
  const roles = { a: 'auditor', o: 'operator', x: 'admin' } as const;
  t.equal(mapRole('a', roles), 'auditor');
  t.equal(mapRole(['a', 'x', 'o'], roles), 'admin');
  t.equal(mapRole(['zzz', 1, null], roles), null);
  t.equal(mapRole({ a: 1 }, roles), null);
  t.equal(mapRole('constructor', roles), null, 'no prototype keys');
});
