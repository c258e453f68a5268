/** The agent-sts command line: help, version, JSON errors, flags checked before any request, and the new commands. */
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { COMMANDS, runCli } from '../../src/cli/run-cli.js';
import { agentDoc, basePolicy } from '../helpers/broker.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');
const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, env, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } }, NOW);
  return { code, stdout, stderr };
}

function writePolicy(doc: Record<string, unknown>, name = 'policy.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sts-cli-'));
  for (const f of ['k8s.jwks.json', 'ticket-summarizer.jwks.json', 'other.jwks.json']) writeFileSync(join(dir, f), JSON.stringify({ keys: [JWK] }));
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

/** A server that counts the requests it gets: proves a bad flag sends nothing. */
async function countingServer(t: { teardown(fn: () => Promise<void>): void }) {
  const state = { requests: 0 };
  const server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(() => resolve())));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

t.test('--help for every command prints help and exits 0 without running it; --version', async (t) => {
  for (const command of COMMANDS) {
    const r = await cli([...command.name.split(' '), '--help']);
    t.equal(r.code, 0, command.name);
    t.match(r.stdout, new RegExp(`^usage: agent-sts ${command.name} `), command.name);
  }
  // serve --help must not start a broker: it returns at once with 0.
  t.equal((await cli(['serve', '--help'])).code, 0);
  t.equal((await cli(['serve', '--dev', '-h'])).code, 0);
  const admin = await cli(['admin', 'suspend', '--help']);
  t.match(admin, { code: 0, stdout: /^usage: agent-sts admin suspend ID --reason TEXT/ });
  t.match(await cli(['--help']), { code: 0, stdout: /policy explain/ });
  t.match(await cli(['policy', '--help']), { code: 0, stdout: /agent-sts policy diff OLD NEW/ });
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  t.match(await cli(['--version']), { code: 0, stdout: `agent-sts ${pkg.version}\n` });
});

t.test('usage errors exit 2; with --json they are JSON on stderr', async (t) => {
  t.match(await cli([]), { code: 2, stderr: /^usage: agent-sts/ });
  t.match(await cli(['nope']), { code: 2, stderr: /unknown command/ });
  t.match(await cli(['policy', 'frobnicate']), { code: 2, stderr: /one of: check, explain, diff/ });
  t.match(await cli(['inventory', '--bogus']), { code: 2, stderr: /Unknown option '--bogus'[\s\S]*usage: agent-sts inventory/ });
  const json = await cli(['policy', 'explain', '--agent', 'a', '--json']);
  t.equal(json.code, 2);
  t.match(JSON.parse(json.stderr), { error: 'usage', message: '--audience URL is required', command: 'policy explain', usage: /^policy explain --agent ID/ });
  t.match(JSON.parse((await cli(['policy', 'check', 'f', '--now', 'yesterday', '--json'])).stderr), { error: 'usage', message: /--now: not an ISO 8601/ });
  t.match(JSON.parse((await cli(['admin', 'nope', '--json'])).stderr), { error: 'usage', command: 'admin' });
});

t.test('admin flags are validated before any request is sent', async (t) => {
  const server = await countingServer(t);
  const env = { STS_URL: server.url, STS_ADMIN_KEY: 'k' };
  const bad: string[][] = [
    ['agents', '--state', 'gone'],
    ['audit', '--limit', 'ten'],
    ['audit', '--limit', '5000'],
    ['audit', '--since', 'last tuesday'],
    ['suspend', 'a'],
    ['suspend', 'a', '--reason', ' '],
    ['suspend', 'a', '--reason', 'x'.repeat(501)],
    ['revoke-token'],
    ['rotate-keys', '--reason', ''],
  ];
  for (const argv of bad) t.equal((await cli(['admin', ...argv], env)).code, 2, argv.join(' '));
  t.equal(server.state.requests, 0, 'nothing reached the broker');
  const failed = await cli(['admin', 'agents', '--json'], env);
  t.equal(failed.code, 1);
  t.match(JSON.parse(failed.stderr), { error: 'http_error', status: 500, command: 'admin agents' });
  t.equal(server.state.requests, 1);
});

t.test('policy explain from a file: the decision and its steps', async (t) => {
  const doc = basePolicy();
  doc.agents = [agentDoc('ticket-summarizer'), agentDoc('other', { owner: 'team-gone' })];
  const file = writePolicy(doc);
  const ok = await cli(['policy', 'explain', '--policy', file, '--agent', 'ticket-summarizer', '--audience', 'https://tickets.test', '--scope', 'tickets:read']);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /^ISSUE: intent summarize-tickets, audience https:\/\/tickets\.test, scope "tickets:read", 600 s/);
  t.match(ok.stdout, /ttl\s+pass\s+10m, set by intent summarize-tickets max_ttl/);
  t.match(ok.stdout, /offline, the store's suspension is unknown/);
  const refused = await cli(['policy', 'explain', '--policy', file, '--agent', 'other', '--audience', 'https://tickets.test', '--json']);
  t.match(JSON.parse(refused.stdout), { decision: 'refuse', reason: 'orphaned' });
  const scope = await cli(['policy', 'explain', '--policy', file, '--agent', 'ticket-summarizer', '--audience', 'https://kb.test', '--intent', 'read-kb', '--scope', 'kb:read kb:write']);
  t.match(scope.stdout, /REFUSE: invalid_scope \(scope\)[\s\S]*kb:write\s+false\s+not in intent read-kb/);
  const later = await cli(['policy', 'explain', '--policy', file, '--agent', 'ticket-summarizer', '--audience', 'https://tickets.test', '--at', '2027-06-01', '--json']);
  t.match(JSON.parse(later.stdout), { reason: 'review_overdue' });
  t.match(await cli(['policy', 'explain', '--agent', 'a', '--audience', 'b']), { code: 2, stderr: /set STS_URL and STS_ADMIN_KEY/ });
  const delegating = basePolicy();
  delegating.agents = [agentDoc('ticket-summarizer', {
    intents: [{ name: 'summarize-tickets', description: 'Read tickets', audience: 'https://tickets.test', scopes: ['tickets:read'], max_ttl: '10m', on_behalf_of: 'allowed' }],
  })];
  const forPerson = await cli(['policy', 'explain', '--policy', writePolicy(delegating), '--agent', 'ticket-summarizer', '--audience', 'https://tickets.test',
    '--person-scope', 'tickets:read mail:read', '--person-expires-in', '90s', '--json']);
  t.match(JSON.parse(forPerson.stdout), { decision: 'issue', grant: { scopes: ['tickets:read'], ttl_seconds: 90 } }, 'a delegated request: the person\'s token caps the lifetime');
  t.match(await cli(['policy', 'explain', '--policy', file, '--agent', 'a', '--audience', 'b', '--depth', '2']), { code: 2, stderr: /give --person-scope too/ });
});

t.test('policy diff: exit 1 when anything widened, 0 otherwise, 2 for a broken policy', async (t) => {
  const before = writePolicy(basePolicy());
  const wider = basePolicy();
  wider.agents = [agentDoc('ticket-summarizer', { intents: [{ name: 'summarize-tickets', audience: 'https://tickets.test', scopes: ['tickets:read', 'comments:read'] }] })];
  const widened = await cli(['policy', 'diff', before, writePolicy(wider)]);
  t.equal(widened.code, 1);
  t.match(widened.stdout, /agent ticket-summarizer \(changed\)\n  \+ scope comments:read for https:\/\/tickets\.test/);
  t.match(widened.stdout, /- scope kb:read for https:\/\/kb\.test/);
  t.match(widened.stdout, /WIDENED/);
  const narrower = basePolicy();
  narrower.agents = [agentDoc('ticket-summarizer', { intents: [{ name: 'summarize-tickets', audience: 'https://tickets.test', scopes: ['tickets:read'], max_ttl: '10m' }] })];
  t.match(await cli(['policy', 'diff', before, writePolicy(narrower)]), { code: 0, stdout: /- scope kb:read[\s\S]*not widened/ });
  t.match(await cli(['policy', 'diff', before, before]), { code: 0, stdout: /no changes/ });
  const json = await cli(['policy', 'diff', before, writePolicy(wider), '--json']);
  t.match(JSON.parse(json.stdout), { widened: true, agents: [{ subject: 'ticket-summarizer', status: 'changed' }] });
  const broken = writePolicy({ agents: 'nope' });
  t.match(await cli(['policy', 'diff', before, broken]), { code: 2, stderr: /has errors/ });
});

t.test('policy diff: sender constraint, delegation depth, on_behalf_of, serves and user issuers set the exit code', async (t) => {
  const bound = basePolicy();
  bound.tiers = { 'read-only': { scopes: ['*:read'], max_ttl: '15m', review_every: '180d', sender_constraint: 'dpop' } };
  const open = basePolicy();
  open.tiers = { 'read-only': { scopes: ['*:read'], max_ttl: '15m', review_every: '180d', max_delegation_depth: 2 } };
  open.user_issuers = [{ issuer: 'https://login.test', jwks_file: 'other.jwks.json', audience: 'agent-sts', algorithms: ['ES256'] }];
  open.agents = [agentDoc('ticket-summarizer', {
    serves: ['https://tickets.test'],
    intents: [
      { name: 'summarize-tickets', audience: 'https://tickets.test', scopes: ['tickets:read'], max_ttl: '10m', on_behalf_of: 'allowed' },
      { name: 'read-kb', audience: 'https://kb.test', scopes: ['kb:read', 'kb-drafts:read'] },
    ],
  })];
  const [narrowFile, wideFile] = [writePolicy(bound), writePolicy(open)];
  const widened = await cli(['policy', 'diff', narrowFile, wideFile]);
  t.equal(widened.code, 1, widened.stderr);
  const agentLines = ['+ sender_constraint dpop -> none', '+ max_delegation_depth 1 -> 2', '+ intent summarize-tickets on_behalf_of forbidden -> allowed',
    '+ serves https://tickets.test: receives delegated tokens there and may exchange them onward'];
  t.ok(widened.stdout.startsWith(`agent ticket-summarizer (changed)\n${agentLines.map((l) => `  ${l}\n`).join('')}`), widened.stdout);
  t.match(widened.stdout, /user issuer https:\/\/login\.test \(added\)\n  \+ keys from/);
  const json = JSON.parse((await cli(['policy', 'diff', narrowFile, wideFile, '--json'])).stdout);
  t.equal(json.widened, true);
  t.same(json.agents, [{ subject: 'ticket-summarizer', status: 'changed', changes: agentLines.map((l) => ({ sign: '+', what: l.slice(2) })) }]);
  const narrowed = await cli(['policy', 'diff', wideFile, narrowFile]);
  t.equal(narrowed.code, 0, narrowed.stdout);
  for (const line of ['- sender_constraint none -> dpop', '- max_delegation_depth 2 -> 1', '- intent summarize-tickets on_behalf_of allowed -> forbidden',
    '- no longer serves https://tickets.test']) t.ok(narrowed.stdout.includes(`\n  ${line}\n`), line);
  t.match(narrowed.stdout, /user issuer https:\/\/login\.test \(removed\)[\s\S]*not widened/);
});

t.test('audit credentials offline, and policy check reports the static findings', async (t) => {
  const doc = basePolicy();
  doc.agents = [agentDoc('ticket-summarizer'), agentDoc('other', { attestation: [{ keys: { jwks_file: 'other.jwks.json' } }] })];
  const file = writePolicy(doc);
  const report = await cli(['audit', 'credentials', '--policy', file]);
  t.equal(report.code, 0, report.stderr);
  t.match(report.stdout, /high\s+other\s+a key of this agent is also a key of ticket-summarizer/);
  t.match(report.stdout, /offline: method usage not known/);
  const csv = await cli(['audit', 'credentials', '--policy', file, '--format', 'csv']);
  t.match(csv.stdout, /^agent,owner,tier,method,/);
  const json = JSON.parse((await cli(['audit', 'credentials', '--policy', file, '--json'])).stdout);
  t.match(json, { live: false, summary: { high: 2 } });
  const check = await cli(['policy', 'check', file]);
  t.equal(check.code, 0, 'credential findings are warnings');
  t.match(check.stdout, /warning\s+agents\[other\]\.attestation\[0\]: credential audit \(high\): a key of this agent is also a key of ticket-summarizer\. Give each agent its own key pair/);
  t.match(await cli(['audit', 'credentials', '--online']), { code: 2, stderr: /--online goes with --policy/ });
});

t.test('policy check --online fetches every jwks_uri: an unreachable one fails the check', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const doc = basePolicy();
  doc.issuers = [{ issuer: 'https://k8s.test', jwks_uri: `http://localhost:${port}/jwks`, audience: 'agent-sts', algorithms: ['ES256'] }];
  const file = writePolicy(doc);
  t.equal((await cli(['policy', 'check', file])).code, 0, 'offline: not fetched');
  const online = await cli(['policy', 'check', file, '--online']);
  t.equal(online.code, 1);
  t.match(online.stdout, new RegExp(`error\\s+jwks_uri http://localhost:${port}/jwks: cannot be fetched: .*ECONNREFUSED`));
});
