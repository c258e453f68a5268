import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/run-cli.js';
import { agentDoc, basePolicy } from '../helpers/broker.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

const runPolicyCheck = (argv: string[], io: Parameters<typeof runCli>[2], nowMs: number) => runCli(['policy', 'check', ...argv], {}, io, nowMs);
const runInventory = (argv: string[], io: Parameters<typeof runCli>[2], nowMs: number) => runCli(['inventory', ...argv], {}, io, nowMs);

function writePolicy(doc: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sts-cli-'));
  const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };
  for (const name of ['k8s.jwks.json', 'ticket-summarizer.jwks.json', 'other.jwks.json']) writeFileSync(join(dir, name), JSON.stringify({ keys: [jwk] }));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

t.test('a clean policy passes', async (t) => {
  const { out, io } = capture();
  t.equal(await runPolicyCheck([writePolicy(basePolicy())], io, NOW), 0, out.stdout);
  t.match(out.stdout, /0 error\(s\), 0 governance violation\(s\)/);
});

t.test('errors and violations are all listed, each naming the agent and field, and exit non-zero', async (t) => {
  const doc = basePolicy();
  doc.agents = [
    agentDoc('ticket-summarizer', { tier: 'no-such-tier', approved_by: 'alice@example.com' }),
    agentDoc('other', { approved_by: undefined }),
  ];
  const { out, io } = capture();
  t.equal(await runPolicyCheck([writePolicy(doc)], io, NOW), 1);
  t.match(out.stdout, /agents\[ticket-summarizer\]\.tier/);
  t.match(out.stdout, /agents\[ticket-summarizer\]\.approved_by/);
  t.match(out.stdout, /agents\[other\]/);
});

t.test('governance violations alone also fail the check (CI must see them)', async (t) => {
  const doc = basePolicy();
  doc.agents = [agentDoc('ticket-summarizer', { owner: 'team-gone' })];
  const { out, io } = capture();
  t.equal(await runPolicyCheck([writePolicy(doc)], io, NOW), 1);
  t.match(out.stdout, /violation/);
  t.match(out.stdout, /orphan/i);
});

t.test('usage errors exit 2', async (t) => {
  const { io } = capture();
  t.equal(await runPolicyCheck([], io, NOW), 2);
});

t.test('inventory renders table, json and csv offline', async (t) => {
  const file = writePolicy(basePolicy());
  for (const format of ['table', 'json', 'csv']) {
    const { out, io } = capture();
    t.equal(await runInventory(['--policy', file, '--format', format], io, NOW), 0, out.stderr);
    t.match(out.stdout, /ticket-summarizer/);
  }
  const { out, io } = capture();
  await runInventory(['--policy', file, '--format', 'json'], io, NOW);
  const rows = JSON.parse(out.stdout) as Array<Record<string, unknown>>;
  t.equal(rows[0]?.orphaned, false);
});
