/**
 * Regression (probe of the console): a console session kept the role it had at sign-in. With
 * a sign-on group remapped from admin to auditor, the admin API refused the token but the
 * console session still suspended an agent, audited as `operator_role: admin`; with an
 * operator's key_sha256 changed, the old key got 401 at the API but its console session went
 * on. Now the session derives the role on every request from what was proved at sign-in (the
 * key's hash; the sign-on issuer and the role claim's mapped values) under the policy in force.
 */
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import type { Policy, Role } from '../../src/policy/index.js';
import { client, consoleBroker, consolePolicy, KEYS } from '../console/helpers.js';

const SUSPEND = '/console/agents/ticket-summarizer/suspend';

async function signOnBroker() {
  const sso = await generateKeyPair('ES256', { extractable: true });
  const policy = {
    ...consolePolicy(),
    operator_issuers: [{ issuer: 'https://sso.test', jwks_file: 'sso.jwks.json', audience: 'agent-sts-admin', algorithms: ['ES256'], role_claim: 'groups', roles: { 'sts-admins': 'admin' } }],
  };
  const b = await consoleBroker({ policy, files: { 'sso.jwks.json': { keys: [{ ...(await exportJWK(sso.publicKey)), kid: 'sso-1' }] } } });
  const iat = Math.floor(b.clock() / 1000);
  const idToken = await new SignJWT({ groups: ['sts-admins', 'everyone'] })
    .setProtectedHeader({ alg: 'ES256', kid: 'sso-1' }).setIssuer('https://sso.test').setAudience('agent-sts-admin').setSubject('dana')
    .setIssuedAt(iat).setExpirationTime(iat + 3600).sign(sso.privateKey);
  /** The policy reloaded with the group mapped to `roles`. */
  const remap = (roles: Record<string, Role>) => {
    const compiled = b.holder.current();
    const operatorIssuers = compiled.policy.operatorIssuers.map((i) => ({ ...i, roles }));
    b.holder.replace({ ...compiled, policy: { ...compiled.policy, operatorIssuers } });
  };
  return { b, idToken, remap };
}

function replaceOperators(b: Awaited<ReturnType<typeof consoleBroker>>, operators: Policy['operators']) {
  const compiled = b.holder.current();
  b.holder.replace({ ...compiled, policy: { ...compiled.policy, operators } });
}

t.test('a sign-on group remapped from admin to auditor: the console session is an auditor at once', async (t) => {
  const { b, idToken, remap } = await signOnBroker();
  t.teardown(b.close);
  const c = client(b.app);
  t.equal((await c.signIn(idToken)).statusCode, 303);
  const confirm = await c.get(SUSPEND);
  t.equal(confirm.statusCode, 200, 'an admin may suspend');
  const csrf = c.csrfOf(confirm.body);

  remap({ 'sts-admins': 'auditor' });
  t.equal((await b.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/suspend', headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' }, payload: { reason: 'x' } })).statusCode, 403, 'the admin API refuses the token');
  const post = await c.post(SUSPEND, { _csrf: csrf, reason: 'leak', confirm: 'ticket-summarizer' });
  t.equal(post.statusCode, 403, 'and so does the console session');
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null, 'nothing suspended');
  t.match(b.auditLines.at(-1), { event: 'operator_forbidden', operator: 'dana', role: 'auditor', required_role: 'operator', channel: 'console' });
  t.match((await c.get('/console/inventory')).body, /dana \(auditor\)/, 'the page shows the current role');

  remap({ 'sts-operators': 'operator' });
  const ended = await c.get('/console/inventory');
  t.equal(ended.statusCode, 303, 'no group of the sign-in maps to a role any more: the session ends');
  t.equal(ended.headers.location, '/console/sign-in');
});

t.test('an action is audited with the role in force, not the one at sign-in', async (t) => {
  const { b, idToken, remap } = await signOnBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(idToken);
  const csrf = c.csrfOf((await c.get(SUSPEND)).body);
  remap({ 'sts-admins': 'operator' });
  t.equal((await c.post(SUSPEND, { _csrf: csrf, reason: 'leak', confirm: 'ticket-summarizer' })).statusCode, 303);
  t.match(b.auditLines.find((l) => l.event === 'agent_suspended'), { operator: 'dana', operator_role: 'operator', operator_auth: 'oidc', channel: 'console' });
});

t.test('a static key rotated in the policy: the session signed in with the old key ends', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const csrf = c.csrfOf((await c.get(SUSPEND)).body);
  const newKeySha = createHash('sha256').update('console-operator-key-rotated').digest('hex');
  replaceOperators(b, b.holder.current().policy.operators.map((o) => (o.id === 'carol@example.com' ? { ...o, keySha256: newKeySha } : o)));
  t.equal((await b.app.inject({ url: '/admin/agents', headers: { authorization: `Bearer ${KEYS.operator}` } })).statusCode, 401, 'the admin API refuses the old key');
  const post = await c.post(SUSPEND, { _csrf: csrf, reason: 'leak', confirm: 'ticket-summarizer' });
  t.equal(post.statusCode, 401, 'the console session is over');
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null);
  t.equal((await c.get('/console/inventory')).headers.location, '/console/sign-in');
  t.notMatch(JSON.stringify(c.jar), new RegExp(newKeySha), 'the session holds no key material in clear');
});

t.test('a static key operator whose role is lowered is lowered in the session too', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  replaceOperators(b, b.holder.current().policy.operators.map((o) => (o.id === 'carol@example.com' ? { ...o, role: 'auditor' as const } : o)));
  t.equal((await c.get(SUSPEND)).statusCode, 403);
  t.match(b.auditLines.at(-1), { event: 'operator_forbidden', operator: 'carol@example.com', role: 'auditor' });
});
