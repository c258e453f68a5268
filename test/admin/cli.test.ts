import t from 'tap';
import { runAdminCli } from '../../src/cli/admin/index.js';
import { runCli } from '../../src/cli/run-cli.js';
import { buildHarness, KEYS } from './helpers.js';

async function running(t: { teardown(fn: () => Promise<void>): void }) {
  const h = await buildHarness();
  t.teardown(h.close);
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const run = async (argv: string[], key: string = KEYS.admin) => {
    let out = '';
    let err = '';
    const code = await runAdminCli(argv, { STS_URL: address, STS_ADMIN_KEY: key }, {
      stdout: { write: (s: string) => { out += s; } },
      stderr: { write: (s: string) => { err += s; } },
    });
    return { code, out, err };
  };
  return { h, run };
}

t.test('the CLI against a running server', async (t) => {
  const { h, run } = await running(t);

  const agents = await run(['agents']);
  t.equal(agents.code, 0, agents.err);
  t.match(agents.out, /^ID\s+OWNER\s+TIER\s+STATE/);
  t.match(agents.out, /\norphan\s+team-gone/);

  const orphans = await run(['agents', '--orphaned', '--json']);
  t.same((JSON.parse(orphans.out) as { agents: Array<{ id: string }> }).agents.map((a) => a.id), ['orphan']);
  const overdue = await run(['agents', '--review-overdue', '--json']);
  t.same((JSON.parse(overdue.out) as { agents: Array<{ id: string }> }).agents.map((a) => a.id), ['overdue']);

  const one = await run(['agent', 'healthy']);
  t.equal(one.code, 0);
  t.match(one.out, /state\s+active/);
  t.match(one.out, /intents:/);

  await h.store.recordShadow({ issuer: 'https://k8s.test', subject: 'sa:shadow', claims: {}, atMs: h.clock() });
  t.match((await run(['discovered'])).out, /sa:shadow/);

  const suspended = await run(['suspend', 'healthy', '--reason', 'incident 42']);
  t.equal(suspended.code, 0, suspended.err);
  t.match(suspended.out, /state\s+suspended/);
  t.ok((await h.store.getAgentControl('healthy')).suspended);
  t.equal((await run(['resume', 'healthy'])).code, 0);
  t.equal((await h.store.getAgentControl('healthy')).suspended, null);
  t.equal((await run(['revoke', 'healthy', '--reason', 'gone rogue'])).code, 0);
  t.ok((await h.store.getAgentControl('healthy')).revokedBeforeMs);
  const revokedToken = await run(['revoke-token', 'jti-123']);
  t.equal(revokedToken.code, 0);
  t.match(revokedToken.out, /known\s+false[\s\S]*NOTE: no token issued in the last hour has this jti/, 'an unknown jti says so');
  t.equal(await h.store.isTokenRevoked('jti-123'), true);
  const rotated = await run(['rotate-keys', '--compromised', '--reason', 'leak', '--json']);
  t.equal(rotated.code, 0, rotated.err);
  t.equal(JSON.parse(rotated.out).compromised_kid !== null, true);

  await new Promise((r) => setImmediate(r));
  const audit = await run(['audit', '--agent', 'healthy']);
  t.equal(audit.code, 0);
  t.match(audit.out, /agent_suspended/);
  t.match(audit.out, /agent_revoked/);
});

t.test('live policy explain and audit credentials against a running broker', async (t) => {
  const { h } = await running(t);
  const address = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  let out = '';
  const io = { stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { out += s; } } };
  const env = { STS_URL: address, STS_ADMIN_KEY: KEYS.auditor };
  await h.store.suspendAgent('healthy', { atMs: h.clock(), by: 'carol', reason: 'incident 7' });
  t.equal(await runCli(['policy', 'explain', '--agent', 'healthy', '--audience', 'https://tickets.test'], env, io), 0, out);
  t.match(out, /^REFUSE: invalid_request \(suspended\)/);
  t.match(out, /suspended\s+fail\s+suspended by carol .*incident 7/);
  out = '';
  t.equal(await runCli(['audit', 'credentials', '--json'], env, io), 0, out);
  t.match(JSON.parse(out), { live: true, agents: [{ agent: 'healthy' }] });
  out = '';
  t.equal(await runCli(['policy', 'explain', '--agent', 'healthy', '--audience', 'x', '--json'], { ...env, STS_ADMIN_KEY: 'wrong' }, io), 1);
  t.match(JSON.parse(out), { error: 'invalid_token', status: 401 });
});

t.test('failures exit non-zero with the server\'s error', async (t) => {
  const { run } = await running(t);
  const forbidden = await run(['rotate-keys'], KEYS.auditor);
  t.equal(forbidden.code, 1);
  t.match(forbidden.err, /insufficient_scope: requires the admin role/);
  const unknown = await run(['suspend', 'nobody', '--reason', 'x']);
  t.equal(unknown.code, 1);
  t.match(unknown.err, /not_found/);
  const badKey = await run(['agents'], 'wrong');
  t.equal(badKey.code, 1);
  t.match(badKey.err, /invalid_token/);
  t.equal((await run(['suspend', 'healthy'])).code, 2, '--reason is required');
  t.equal((await run(['agents', '--bogus'])).code, 2);
  t.equal((await run(['explode'])).code, 2);
  const noEnv = await runAdminCli(['agents'], {}, { stdout: { write: () => {} }, stderr: { write: () => {} } });
  t.equal(noEnv, 2);
  const unreachable = await runAdminCli(['agents'], { STS_URL: 'http://127.0.0.1:1', STS_ADMIN_KEY: 'k' }, { stdout: { write: () => {} }, stderr: { write: () => {} } });
  t.equal(unreachable, 1);
});
