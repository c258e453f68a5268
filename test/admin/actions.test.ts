import t from 'tap';
import { StoreUnavailableError } from '../../src/errors.js';
import { buildHarness } from './helpers.js';

const post = (h: Awaited<ReturnType<typeof buildHarness>>, url: string, payload: object, role: 'operator' | 'admin' = 'operator') =>
  h.app.inject({ method: 'POST', url, headers: h.as(role), payload });

t.test('suspend, resume and revoke an agent; each is audited with operator and reason', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const token = h.mint('healthy');
  const s = await post(h, '/admin/agents/healthy/suspend', { reason: 'leaked credentials' });
  t.equal(s.statusCode, 200);
  t.match(s.json(), { agent: 'healthy', state: 'suspended', suspension: { by: 'carol@example.com', reason: 'leaked credentials' }, audited: true });
  t.match((await h.store.getAgentControl('healthy')).suspended, { by: 'carol@example.com' });
  t.match(h.auditLines.at(-1), { event: 'agent_suspended', agent: 'healthy', operator: 'carol@example.com', operator_role: 'operator', reason: 'leaked credentials' });

  const r = await post(h, '/admin/agents/healthy/resume', {});
  t.equal(r.statusCode, 200);
  t.equal((await h.store.getAgentControl('healthy')).suspended, null);
  t.match(h.auditLines.at(-1), { event: 'agent_resumed', agent: 'healthy' });

  t.equal((await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${h.mint('resource-server', { audience: 'https://sts.test', scopes: ['sts:introspect'] })}` })).json().active, true);
  h.clock.advance(1000);
  const v = await post(h, '/admin/agents/healthy/revoke', { reason: 'compromised' });
  t.equal(v.statusCode, 200);
  // Revocation instant: after the suspension landed, plus 5 s for clock skew between instances.
  t.match(v.json(), { state: 'suspended', tokens_revoked_before: new Date(h.clock() + 5_000).toISOString() });
  t.match(h.auditLines.at(-1), { event: 'agent_revoked', agent: 'healthy', reason: 'compromised' });
  const rs = h.mint('resource-server', { audience: 'https://sts.test', scopes: ['sts:introspect'] });
  t.same((await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${rs}` })).json(), { active: false }, 'the agent\'s tokens are dead');
});

t.test('reasons are required and bounded; unknown agents are 404', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  t.equal((await post(h, '/admin/agents/healthy/suspend', {})).statusCode, 400);
  t.equal((await post(h, '/admin/agents/healthy/suspend', { reason: 'x'.repeat(501) })).statusCode, 400);
  t.equal((await post(h, '/admin/agents/healthy/revoke', { reason: '' })).statusCode, 400);
  const missing = await post(h, '/admin/agents/nobody/suspend', { reason: 'r' });
  t.equal(missing.statusCode, 404);
  t.equal((await h.store.getAgentControl('nobody')).suspended, null);
});

t.test('a store that cannot take the write answers 503, never success', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const down = async () => { throw new StoreUnavailableError('redis down'); };
  h.store.suspendAgent = down;
  h.store.revokeToken = down;
  const res = await post(h, '/admin/agents/healthy/suspend', { reason: 'r' });
  t.equal(res.statusCode, 503);
  t.equal(res.json().error, 'temporarily_unavailable');
  t.notOk(h.auditLines.some((l) => l.event === 'agent_suspended' && l.outcome !== 'unconfirmed'), 'nothing recorded as done');
  t.ok(h.auditLines.some((l) => l.event === 'agent_suspended' && l.outcome === 'unconfirmed'), 'the attempt is recorded as unconfirmed');
  t.equal((await post(h, '/admin/tokens/revoke', { jti: 'j' })).statusCode, 503);
});

t.test('a broken audit trail: protective actions still apply (audited: false), resume is refused', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  h.auditBroken.on = true;
  const s = await post(h, '/admin/agents/healthy/suspend', { reason: 'r' });
  t.equal(s.statusCode, 200);
  t.equal(s.json().audited, false);
  t.ok((await h.store.getAgentControl('healthy')).suspended);
  const r = await post(h, '/admin/agents/healthy/resume', {});
  t.equal(r.statusCode, 503);
  t.ok((await h.store.getAgentControl('healthy')).suspended, 'still suspended');
  h.auditBroken.on = false;
  t.equal((await post(h, '/admin/agents/healthy/resume', {})).statusCode, 200);
});

t.test('revoke one token by jti or by the token itself', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const token = h.mint('healthy', { ttlSeconds: 300 });
  const byToken = await post(h, '/admin/tokens/revoke', { token, reason: 'seen in a log' });
  t.equal(byToken.statusCode, 200);
  t.match(byToken.json(), { agent: 'healthy', revoked_until: new Date(Math.floor(h.clock() / 1000) * 1000 + 300_000).toISOString() });
  const jti = byToken.json().jti as string;
  t.equal(await h.store.isTokenRevoked(jti), true);
  t.match(h.auditLines.at(-1), { event: 'token_revoked', jti, agent: 'healthy', operator: 'carol@example.com', reason: 'seen in a log' });
  t.notMatch(JSON.stringify(h.auditLines), new RegExp(token.split('.')[2] as string), 'the token itself is never audited');

  const byJti = await post(h, '/admin/tokens/revoke', { jti: 'some-jti' });
  t.equal(byJti.statusCode, 200);
  t.equal(byJti.json().revoked_until, new Date(h.clock() + 3_600_000).toISOString(), 'an unknown jti: the longest token life');
  t.equal(byJti.json().known, false, 'says that no recently issued token has this jti');
  t.equal(await h.store.isTokenRevoked('some-jti'), true, 'revoked anyway');

  // A jti the recent audit stream holds: its agent and its own expiry.
  h.audit.record('token_issued', { agent: 'healthy', jti: 'issued-jti', expires_at: new Date(h.clock() + 120_000).toISOString() });
  await new Promise((resolve) => setImmediate(resolve));
  const known = await post(h, '/admin/tokens/revoke', { jti: 'issued-jti' });
  t.match(known.json(), { jti: 'issued-jti', known: true, agent: 'healthy', revoked_until: new Date(h.clock() + 120_000).toISOString() });

  t.equal((await post(h, '/admin/tokens/revoke', {})).statusCode, 400, 'one of jti or token');
  t.equal((await post(h, '/admin/tokens/revoke', { jti: 'a', token })).statusCode, 400);
  t.equal((await post(h, '/admin/tokens/revoke', { token: 'garbage.x.y' })).statusCode, 400, 'a token that is not ours');
});

t.test('key rotation (admin); compromised: the key leaves the JWKS and its tokens introspect inactive', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const token = h.mint('healthy');
  const oldKid = h.keyRing.currentSigner().kid;
  const introspector = () => h.mint('resource-server', { audience: 'https://sts.test', scopes: ['sts:introspect'] });
  const plain = await post(h, '/admin/keys/rotate', { reason: 'routine' }, 'admin');
  t.equal(plain.statusCode, 200);
  t.match(plain.json(), { retired_kid: oldKid, compromised_kid: null, audited: true });
  t.equal((await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${introspector()}` })).json().active, true, 'a routine rotation keeps old tokens valid');

  const token2 = h.mint('healthy');
  const kid2 = h.keyRing.currentSigner().kid;
  const res = await post(h, '/admin/keys/rotate', { compromised: true, reason: 'HSM dump' }, 'admin');
  t.equal(res.statusCode, 200);
  t.equal(res.json().compromised_kid, kid2);
  t.notOk(h.keyRing.jwks().keys.some((k) => k.kid === kid2), 'left the JWKS');
  t.same((await h.form('/oauth/introspect', { token: token2 }, { authorization: `Bearer ${introspector()}` })).json(), { active: false });
  t.match(h.auditLines.at(-1), { event: 'keys_rotated', compromised: true, compromised_kid: kid2, operator: 'root@example.com', operator_role: 'admin', reason: 'HSM dump' });
});
