/** The console over inject: headers, sessions, roles, CSRF, escaping, and nothing secret on a page. */
import t from 'tap';
import { CONSOLE_CSP } from '../../src/routes/console/index.js';
import { STS } from '../helpers/broker.js';
import { client, consoleBroker, KEYS } from './helpers.js';

t.test('sign in with an operator key: a sealed, HttpOnly, Secure, SameSite=Strict session that expires', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  const first = await c.get('/console/inventory');
  t.equal(first.statusCode, 303);
  t.equal(first.headers.location, '/console/sign-in');
  const signedIn = await c.signIn(KEYS.operator);
  t.equal(signedIn.statusCode, 303, signedIn.body);
  t.equal(signedIn.headers.location, '/console/inventory');
  const cookies = [signedIn.headers['set-cookie']].flat().join('\n');
  t.match(cookies, /__Host-sts_console=v1\.[A-Za-z0-9_-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure/);
  t.notMatch(cookies, new RegExp(KEYS.operator), 'the key is not in the cookie');
  const page = await c.get('/console/inventory');
  t.equal(page.statusCode, 200);
  t.match(page.body, /ticket-summarizer/);
  t.match(page.body, /carol@example\.com \(operator\)/);
  t.match(b.auditLines.find((l) => l.event === 'operator_signed_in'), { operator: 'carol@example.com', operator_role: 'operator', operator_auth: 'key', channel: 'console' });

  b.clock.advance(31 * 60_000);
  t.equal((await c.get('/console/inventory')).statusCode, 303, 'idle 31 minutes: signed out');
});

t.test('every page: strict CSP, no framing, no caching; scripts and styles are hashed files from self', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.auditor);
  const page = await c.get('/console/inventory');
  t.equal(page.headers['content-security-policy'], CONSOLE_CSP);
  t.match(CONSOLE_CSP, /script-src 'self';/);
  t.notMatch(CONSOLE_CSP, /unsafe/);
  t.match(page.headers, { 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'cache-control': 'no-store' });
  t.notMatch(page.body, /<script>|<style>|style="|onclick=|javascript:/i, 'no inline script or style');
  const [, script, integrity] = /<script defer src="(\/console\/assets\/console\.[0-9a-f]{16}\.js)" integrity="(sha384-[^"]+)"/.exec(page.body) ?? [];
  t.ok(script && integrity);
  const asset = await c.get(script as string);
  t.equal(asset.statusCode, 200);
  t.match(asset.headers['content-type'], /^text\/javascript/);
  t.match(asset.headers['cache-control'], /immutable/);
  t.equal((await c.get('/console/assets/console.0000000000000000.js')).statusCode, 404);
});

t.test('an auditor reads but cannot act: the confirmation page and the POST are both 403', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.auditor);
  const agent = await c.get('/console/agents/ticket-summarizer');
  t.equal(agent.statusCode, 200);
  t.notMatch(agent.body, /Suspend…/);
  t.match(agent.body, /Auditors read only/);
  t.equal((await c.get('/console/agents/ticket-summarizer/suspend')).statusCode, 403);
  const csrf = c.csrfOf(agent.body);
  const post = await c.post('/console/agents/ticket-summarizer/suspend', { _csrf: csrf, reason: 'x', confirm: 'ticket-summarizer' });
  t.equal(post.statusCode, 403);
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null);
  t.match(b.auditLines.at(-1), { event: 'operator_forbidden', operator: 'ann@example.com', required_role: 'operator', channel: 'console' });
});

t.test('suspend needs the CSRF token, a reason and the confirmation; then the agent is refused tokens', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const confirm = await c.get('/console/agents/ticket-summarizer/suspend');
  t.equal(confirm.statusCode, 200);
  const csrf = c.csrfOf(confirm.body);
  const url = '/console/agents/ticket-summarizer/suspend';
  t.equal((await c.post(url, { reason: 'leak', confirm: 'ticket-summarizer' })).statusCode, 403, 'no token');
  t.equal((await c.post(url, { _csrf: 'forged', reason: 'leak', confirm: 'ticket-summarizer' })).statusCode, 403, 'wrong token');
  t.equal((await c.post(url, { _csrf: csrf, reason: 'leak', confirm: 'ticket-summarizer' }, { origin: 'https://evil.example' })).statusCode, 403, 'another origin');
  t.equal((await c.post(url, { _csrf: csrf, reason: 'leak', confirm: 'ticket-summarizer' }, { 'sec-fetch-site': 'cross-site' })).statusCode, 403, 'cross-site');
  t.equal((await c.post(url, { _csrf: csrf, reason: '', confirm: 'ticket-summarizer' })).statusCode, 400, 'no reason');
  t.equal((await c.post(url, { _csrf: csrf, reason: 'leak' })).statusCode, 400, 'not confirmed');
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null, 'nothing happened so far');
  const done = await c.post(url, { _csrf: csrf, reason: 'leaked credentials', confirm: 'ticket-summarizer' });
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, '/console/agents/ticket-summarizer?done=suspend');
  t.match((await b.store.getAgentControl('ticket-summarizer')).suspended, { by: 'carol@example.com', reason: 'leaked credentials' });
  t.match(b.auditLines.find((l) => l.event === 'agent_suspended'), { agent: 'ticket-summarizer', operator: 'carol@example.com', channel: 'console', reason: 'leaked credentials', outcome: 'applied' });
  const refused = await b.exchange(await b.attest());
  t.equal(refused.statusCode, 400);
  t.match(refused.json().error_description, /suspended/);
  const page = await c.get('/console/agents/ticket-summarizer?done=suspend');
  t.match(page.body, /Suspended: recorded in the audit trail/);
  t.match(page.body, /Refused: it is suspended \(leaked credentials\)/);
});

t.test('sign-out revokes the session on every instance; the old cookie is dead', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const other = await consoleBroker({ store: b.store });
  t.teardown(other.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  t.equal((await other.app.inject({ url: '/console/inventory', headers: { cookie } })).statusCode, 200, 'another instance with the same key accepts the session');
  const page = await c.get('/console/inventory');
  const out = await c.post('/console/sign-out', { _csrf: c.csrfOf(page.body) });
  t.equal(out.statusCode, 303);
  t.equal(out.headers.location, '/console/sign-in?signed_out=1');
  t.match([out.headers['set-cookie']].flat().join('\n'), /__Host-sts_console=; Path=\/; Max-Age=0/);
  t.equal((await b.app.inject({ url: '/console/inventory', headers: { cookie } })).statusCode, 303, 'replayed cookie refused');
  t.equal((await other.app.inject({ url: '/console/inventory', headers: { cookie } })).statusCode, 303, 'on the other instance too');
  t.match(b.auditLines.find((l) => l.event === 'operator_signed_out'), { operator: 'carol@example.com' });
});

t.test('a session sealed under another key, or for an operator since removed, is refused', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const stranger = await consoleBroker({ env: { STS_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') } });
  t.teardown(stranger.close);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  t.equal((await stranger.app.inject({ url: '/console/inventory', headers: { cookie } })).statusCode, 303);
  const tampered = cookie.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
  t.equal((await b.app.inject({ url: '/console/inventory', headers: { cookie: tampered } })).statusCode, 303);
  const compiled = b.holder.current();
  b.holder.replace({ ...compiled, policy: { ...compiled.policy, operators: compiled.policy.operators.filter((o) => o.id !== 'carol@example.com') } });
  t.equal((await c.get('/console/inventory')).statusCode, 303, 'removed from the policy: signed out at once');
});

t.test('failed sign-ins: generic message, audited, throttled; the sign-in form is CSRF-protected', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const c = client(b.app);
  const bad = await c.signIn('wrong-key');
  t.equal(bad.statusCode, 401);
  t.match(bad.body, /Sign-in failed: unknown key or invalid token/);
  t.notMatch(bad.body, /wrong-key/, 'the credential is never echoed');
  t.match(b.auditLines.at(-1), { event: 'operator_auth_failed', reason: 'unknown_key', channel: 'console' });
  t.equal((await c.post('/console/sign-in', { credential: KEYS.operator })).statusCode, 403, 'no form token: login CSRF refused');
  // The admin API's backoff, shared: from the 5th failure (here 3 at the API, 2 at the console)
  // the address is refused without its credential being looked at.
  for (let i = 0; i < 3; i++) {
    t.equal((await b.app.inject({ url: '/admin/agents', headers: { authorization: 'Bearer wrong-key' } })).statusCode, 401);
  }
  t.equal((await c.signIn('wrong-key')).statusCode, 401, 'the 5th failure is still answered');
  const throttled = await c.signIn(KEYS.operator);
  t.equal(throttled.statusCode, 429, 'then even the right key waits');
  t.ok(Number(throttled.headers['retry-after']) > 0);
  t.equal(b.auditLines.filter((l) => l.event === 'operator_auth_failed').length, 1, 'one record for the window; the rest go to its summary');
});

t.test('policy values are escaped everywhere; no token, key or assertion is ever rendered', async (t) => {
  const evil = '<script>alert(1)</script>';
  const { agentDoc } = await import('../helpers/broker.js');
  const { consolePolicy } = await import('./helpers.js');
  const b = await consoleBroker({ policy: consolePolicy([agentDoc('xss-bot', { description: evil, created_by: `"><img src=x onerror=alert(1)>` })]) });
  t.teardown(b.close);
  await b.exchange(await b.attest());
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const pages = await Promise.all(['/console/inventory', '/console/agents/xss-bot', '/console/agents/ticket-summarizer', '/console/audit', '/console/keys', '/console/credentials', '/console/shadows'].map((u) => c.get(u)));
  for (const p of pages) t.equal(p.statusCode, 200);
  const all = pages.map((p) => p.body).join('\n');
  t.notMatch(all, /<script>alert/);
  t.notMatch(all, /<img src=x/);
  t.match(all, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.notMatch(all, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'no JWT on any page');
  t.notMatch(all, /"d":|PRIVATE KEY/);
  t.notMatch(all, new RegExp(KEYS.operator));
  t.match(all, /token_issued/, 'the audit page shows the decision (by jti and hash only)');
});

t.test('sign in with a sign-on token from operator_issuers: the session ends with the token', async (t) => {
  const { exportJWK, generateKeyPair, SignJWT } = await import('jose');
  const { consolePolicy } = await import('./helpers.js');
  const sso = await generateKeyPair('ES256', { extractable: true });
  const policy = {
    ...consolePolicy(),
    operator_issuers: [{ issuer: 'https://sso.test', jwks_file: 'sso.jwks.json', audience: 'agent-sts-admin', algorithms: ['ES256'], role_claim: 'groups', roles: { 'sts-operators': 'operator' } }],
  };
  const b = await consoleBroker({ policy, files: { 'sso.jwks.json': { keys: [{ ...(await exportJWK(sso.publicKey)), kid: 'sso-1' }] } } });
  t.teardown(b.close);
  const iat = Math.floor(b.clock() / 1000);
  const idToken = (groups: string[]) => new SignJWT({ groups, email: 'dana@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid: 'sso-1' }).setIssuer('https://sso.test').setAudience('agent-sts-admin').setSubject('dana')
    .setIssuedAt(iat).setExpirationTime(iat + 600).sign(sso.privateKey);
  const c = client(b.app);
  const signedIn = await c.signIn(await idToken(['sts-operators']));
  t.equal(signedIn.statusCode, 303);
  t.match([signedIn.headers['set-cookie']].flat().join('\n'), /__Host-sts_console=[^;]+; Path=\/; Max-Age=600;/, 'no longer than the token');
  t.match((await c.get('/console/inventory')).body, /dana \(operator\)/);
  t.match(b.auditLines.find((l) => l.event === 'operator_signed_in'), { operator: 'dana', operator_auth: 'oidc' });
  const noRole = client(b.app);
  t.equal((await noRole.signIn(await idToken(['everyone']))).statusCode, 401, 'no mapped role: no session');
  b.clock.advance(601_000);
  t.equal((await c.get('/console/inventory')).statusCode, 303, 'the session ended with the token');
});

t.test('a broker published over https keeps its cookies Secure behind a proxy on the same host', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const pre = (await fetch(`${base}/console/sign-in`)).headers.get('set-cookie') ?? '';
  t.match(pre, /^__Host-sts_console_signin=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Strict; Secure$/, `issuer ${STS}, a loopback socket`);
});

t.test('the session cookie on plain HTTP to loopback: not Secure, no __Host- prefix', async (t) => {
  const b = await consoleBroker({ env: { STS_ISSUER: 'http://localhost:8080' } });
  t.teardown(b.close);
  const base = await b.app.listen({ port: 0, host: '127.0.0.1' });
  const form = await fetch(`${base}/console/sign-in`);
  const pre = form.headers.get('set-cookie') ?? '';
  t.match(pre, /^sts_console_signin=[^;]+; Path=\/console; Max-Age=600; HttpOnly; SameSite=Strict$/);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/console/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre.split(';')[0] ?? '' },
    body: new URLSearchParams({ _csrf: csrf, credential: KEYS.operator }).toString(),
  });
  t.equal(res.status, 303);
  t.match(res.headers.get('set-cookie'), /sts_console=v1\.[^;]+; Path=\/console; Max-Age=28800; HttpOnly; SameSite=Strict(,|$)/);
  t.notMatch(res.headers.get('set-cookie'), /Secure/);
});

t.test('with STS_ADMIN_PORT the console moves to the admin listener with the admin API', async (t) => {
  const b = await consoleBroker({ env: { STS_ADMIN_PORT: '9999' } });
  t.teardown(b.close);
  t.equal((await b.app.inject({ url: '/console/sign-in' })).statusCode, 404, 'not on the port agents use');
  const admin = b.broker.adminApp;
  if (!admin) throw new Error('createBroker built no admin app with STS_ADMIN_PORT set');
  const c = client(admin);
  t.equal((await c.signIn(KEYS.operator)).statusCode, 303);
  t.equal((await c.get('/console/inventory')).statusCode, 200);
});

t.test('the keys page lists a key withdrawn as compromised while its tokens could still be presented', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const { compromisedKid, activatedKid } = await b.keyRing.rotateNow({ compromised: true });
  t.ok(compromisedKid);
  const c = client(b.app);
  await c.signIn(KEYS.operator);
  const page = (await c.get('/console/keys')).body;
  t.match(page, new RegExp(`${compromisedKid}</td><td></td><td><span[^>]*>compromised, withdrawn`), 'the withdrawn kid, flagged');
  t.match(page, new RegExp(`${activatedKid}</td><td>ES256</td>`), 'the new signing key');
});

t.test('RFC 9110 §15.5.6: a page asked with a method it does not serve is 405 with Allow, as an HTML page', async (t) => {
  const b = await consoleBroker();
  t.teardown(b.close);
  const cases: Array<[string, string, string]> = [
    ['PUT', '/console/sign-in', 'GET, HEAD, POST'],
    ['POST', '/console/inventory', 'GET, HEAD'],
    ['GET', '/console/sign-out', 'POST'],
  ];
  for (const [method, url, allow] of cases) {
    const res = await b.app.inject({ method: method as 'GET', url });
    t.equal(res.statusCode, 405, `${method} ${url}`);
    t.equal(res.headers.allow, allow);
    t.match(res.headers['content-type'], /^text\/html/);
    t.equal(res.headers['content-security-policy'], CONSOLE_CSP, 'with the console\'s headers');
  }
  const missing = await b.app.inject({ url: '/console/no-such-page' });
  t.equal(missing.statusCode, 404);
  t.notOk(missing.headers.allow);
});
