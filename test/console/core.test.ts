/** The console's pure parts: escaping, sealed sessions, the activity buckets. */
import t from 'tap';
import { bucketActivity, createSessionSealer, html, isLoopbackAddress, keyProof, newSession, SESSION_IDLE_MS, sessionKey } from '../../src/console/index.js';

t.test('html escapes every interpolated value, once', async (t) => {
  const evil = `<a href="x" onclick='y'>&\``;
  t.equal(html`<p title="${evil}">${evil}</p>`.toString(), '<p title="&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;">&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;</p>');
  const inner = html`<b>${'<i>'}</b>`;
  t.equal(html`<div>${inner}${[inner, 'x<']}${null}${false}${0}</div>`.toString(), '<div><b>&lt;i&gt;</b><b>&lt;i&gt;</b>x&lt;0</div>', 'templates nest without double escaping');
});

t.test('sealed sessions: opened only with the same key and cookie name, within idle and absolute limits', async (t) => {
  const key = sessionKey(Buffer.alloc(32, 1));
  const sealer = createSessionSealer(key, 'c');
  const now = 1_000_000;
  const s = newSession({ operator: { id: 'ann', role: 'auditor', method: 'key' }, proof: keyProof('k'), epochMs: 0 }, now);
  const cookie = sealer.seal(s);
  t.same(sealer.open(cookie, now + 1000), s);
  t.notMatch(cookie, /ann|auditor/, 'the content is encrypted');
  t.equal(createSessionSealer(sessionKey(Buffer.alloc(32, 2)), 'c').open(cookie, now), null, 'another key');
  t.equal(createSessionSealer(key, 'other').open(cookie, now), null, 'moved to another cookie');
  t.equal(sealer.open(cookie, now + SESSION_IDLE_MS), null, 'idle too long');
  t.equal(sealer.open(sealer.seal({ ...s, seen: s.exp - 1 }), s.exp), null, 'past its absolute expiry');
  t.equal(sealer.open('v1.' + 'A'.repeat(5000), now), null, 'oversized');
  t.equal(sealer.open(undefined, now), null);
  t.equal(sealer.open(sealer.seal({ ...s, v: 1 } as unknown as typeof s), now), null, 'sealed before sessions carried their proof');
  t.ok(newSession({ operator: { id: 'x', role: 'admin', method: 'oidc', issuer: 'i' }, proof: { method: 'oidc', issuer: 'i', roleClaim: 'groups', values: ['g'] }, epochMs: 0 }, now, now + 60_000).exp === now + 60_000, 'capped by the sign-on token');
  t.not(sessionKey(undefined).toString('hex'), sessionKey(undefined).toString('hex'), 'without a secret: a random key');
});

t.test('activity buckets: per minute over 30 minutes; older records are outside', async (t) => {
  const now = Date.parse('2026-11-01T12:00:30Z');
  const w = bucketActivity([
    { atMs: now, event: 'token_issued' }, { atMs: now - 10_000, event: 'token_denied' },
    { atMs: now - 5 * 60_000, event: 'token_issued' }, { atMs: now - 31 * 60_000, event: 'token_issued' }, { atMs: now, event: 'agent_suspended' },
  ], now, false);
  t.equal(w.buckets.length, 30);
  t.same(w.buckets.at(-1), { startMs: Date.parse('2026-11-01T12:00:00Z'), issued: 1, denied: 1 });
  t.equal(w.buckets.reduce((n, b) => n + b.issued, 0), 2);
});

t.test('loopback addresses', async (t) => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) t.ok(isLoopbackAddress(a), a);
  for (const a of ['10.0.0.1', '::', '0.0.0.0', '', undefined, '::ffff:10.0.0.1']) t.notOk(isLoopbackAddress(a), String(a));
});

t.test('a sign-in proof earns under a policy what its credential would at the admin API, never more', async (t) => {
  const { keyProof: proofOfKey, roleUnderPolicy, signOnProof } = await import('../../src/console/index.js');
  const { mapRole } = await import('../../src/admin/index.js');
  const issuer = { issuer: 'https://sso.test', audience: 'a', algorithms: ['ES256'], roleClaim: 'groups', roles: { admins: 'admin', ops: 'operator' } as const };
  const policy = (roles: Record<string, 'admin' | 'operator' | 'auditor'>, roleClaim = 'groups') => ({ operators: [], operatorIssuers: [{ ...issuer, roles, roleClaim }] });
  const groups = [...Array.from({ length: 300 }, (_, i) => `g${i}`), 'admins'];
  const proof = signOnProof(issuer, ['ops', ...groups]);
  t.same(proof, { method: 'oidc', issuer: 'https://sso.test', roleClaim: 'groups', values: ['ops'] }, 'only mapped values, and only those mapRole reads');
  t.equal(roleUnderPolicy(policy(issuer.roles), 'dana', proof), mapRole(['ops', ...groups], issuer.roles));
  t.equal(roleUnderPolicy(policy({ ops: 'auditor' }), 'dana', proof), 'auditor', 'lowered');
  t.equal(roleUnderPolicy(policy({ admins: 'admin' }), 'dana', proof), null, 'no longer mapped');
  t.equal(roleUnderPolicy(policy(issuer.roles, 'roles'), 'dana', proof), null, 'another claim: the proof says nothing about it');
  const sha = proofOfKey('k');
  t.same(Object.keys(sha), ['method', 'keySha256']);
  const operators = [{ id: 'carol', role: 'operator' as const, keySha256: (sha as { keySha256: string }).keySha256 }];
  t.equal(roleUnderPolicy({ operators, operatorIssuers: [] }, 'carol', sha), 'operator');
  t.equal(roleUnderPolicy({ operators, operatorIssuers: [] }, 'carol', proofOfKey('other')), null, 'another key');
  t.equal(roleUnderPolicy({ operators, operatorIssuers: [] }, 'mallory', sha), null, 'another operator');
});
