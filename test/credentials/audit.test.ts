/** The credential audit: each rule on a policy built for it, offline and with the store's usage. */
import t from 'tap';
import { auditCredentials, credentialsCsv, type CredentialUsage } from '../../src/credentials/index.js';
import { basePolicy, compileRaw, DAY, fixtureJwks, NOW, patch, rawAgent } from '../policy/build.js';

const agentJwk = (fixtureJwks('agent.jwks.json').keys as unknown[])[0];
const issuerJwk = (fixtureJwks('issuer.jwks.json').keys as unknown[])[0];
const compiled = compileRaw(patch(basePolicy(), {
  'tiers.read-only.key_max_age': '90d',
  'issuers.1': { issuer: 'http://localhost:9999/ci', jwks_uri: 'http://localhost:9999/ci/jwks', audience: 'agent-sts', algorithms: ['ES256'], max_age: '6h' },
  'agents.0.attestation.1': { keys: { keys: [agentJwk], rotated_at: '2026-01-01' } },
  'agents.1': rawAgent('key-only', { attestation: [{ keys: { keys: [agentJwk] } }] }),
  'agents.2': rawAgent('fresh-key', { attestation: [{ keys: { keys: [issuerJwk], rotated_at: '2026-11-01' } }, { issuer: 'http://localhost:9999/ci', subject: 'repo:x' }] }),
  'agents.3': rawAgent('retired', { status: 'retired', attestation: [{ keys: { keys: [agentJwk] } }] }),
}));
const byAgent = (report: ReturnType<typeof auditCredentials>, id: string) => report.agents.find((a) => a.agent === id);
const codes = (report: ReturnType<typeof auditCredentials>, id: string) => byAgent(report, id)?.findings.map((f) => f.code).sort();

t.test('static findings, each with a severity and a one-sentence fix', async (t) => {
  const report = auditCredentials(compiled, { nowMs: NOW });
  t.equal(report.live, false);
  t.same(codes(report, 'summarizer'), ['key_shared', 'key_too_old']);
  t.same(codes(report, 'key-only'), ['key_rotation_undeclared', 'key_shared', 'static_key_only']);
  t.same(codes(report, 'fresh-key'), ['jwks_uri_http', 'reusable_long_max_age']);
  t.notOk(byAgent(report, 'retired'), 'a retired agent cannot authenticate: not audited, and its key is not counted as shared');
  for (const a of report.agents) for (const f of a.findings) {
    t.match(f.severity, /^(high|medium|low)$/);
    t.match(f.fix, /^[A-Z][^.]*[^.]\.$|^[A-Z].*\.$/, `${f.code} fix is a sentence`);
  }
  const shared = byAgent(report, 'summarizer')?.findings.find((f) => f.code === 'key_shared');
  t.match(shared, { severity: 'high', method: 1, message: /also a key of key-only/ });
  t.match(byAgent(report, 'summarizer')?.findings.find((f) => f.code === 'key_too_old'), { severity: 'high', message: /329 days ago.*key_max_age of 90d/ });
  t.same(report.summary, { high: 3, medium: 3, low: 1 });
});

t.test('methods: public facts only (issuer and subject, or key thumbprints and kids)', async (t) => {
  const report = auditCredentials(compiled, { nowMs: NOW });
  const methods = byAgent(report, 'summarizer')?.methods;
  t.match(methods?.[0], { kind: 'issuer', issuer: 'https://k8s.example', subject: 'system:serviceaccount:agents:summarizer', single_use: false, max_age_seconds: 3600 });
  t.match(methods?.[1], { kind: 'keys', kids: ['agent-1'], rotated_at: '2026-01-01', key_age_days: 329 });
  t.match((methods?.[1] as { thumbprints: string[] }).thumbprints[0], /^[A-Za-z0-9_-]{43}$/);
  t.notMatch(JSON.stringify(report), /"x":|"y":|"d":/, 'no key material');
});

t.test('unused methods: from the agent\'s last request, or audit records that reach back far enough', async (t) => {
  const usage = (lastUsed: Array<[string, number]>, coveredSinceMs: number | null): CredentialUsage => ({
    lastSeenMs: new Map([['summarizer', NOW - DAY], ['key-only', NOW - 40 * DAY], ['fresh-key', null]]),
    lastUsedMs: new Map(lastUsed),
    coveredSinceMs,
    activitySinceMs: NOW - 90 * DAY,
  });
  const unused = (u: CredentialUsage, id: string) => byAgent(auditCredentials(compiled, { nowMs: NOW, usage: u }), id)?.findings.filter((f) => f.code === 'method_unused').map((f) => f.method);
  // Records reach back 31 days: the key method of summarizer was used, the issuer method not.
  const covered = usage([['summarizer\nkeys', NOW - DAY]], NOW - 31 * DAY);
  t.same(unused(covered, 'summarizer'), [0]);
  t.same(unused(covered, 'key-only'), [0], 'not seen for 40 days: every method unused');
  t.same(unused(covered, 'fresh-key'), [0, 1], 'never seen');
  // Records reach back a day only: nothing can be said of a method of an agent seen recently.
  t.same(unused(usage([], NOW - DAY), 'summarizer'), []);
  t.same(byAgent(auditCredentials(compiled, { nowMs: NOW, usage: covered, unusedDays: 60 }), 'key-only')?.findings.filter((f) => f.code === 'method_unused'), []);
});

t.test('never seen is unused only when the store\'s activity reaches back N days', async (t) => {
  const usage = (activitySinceMs: number | null): CredentialUsage => ({
    lastSeenMs: new Map([['summarizer', NOW - DAY], ['key-only', NOW - 40 * DAY], ['fresh-key', null]]),
    lastUsedMs: new Map(), coveredSinceMs: null, activitySinceMs,
  });
  const unused = (report: ReturnType<typeof auditCredentials>, id: string) => byAgent(report, id)?.findings.filter((f) => f.code === 'method_unused').map((f) => f.method);

  const fresh = auditCredentials(compiled, { nowMs: NOW, usage: usage(NOW - DAY) });
  t.same(unused(fresh, 'fresh-key'), [], 'a store a day old has not seen the agent: no evidence it is unused');
  t.same(unused(fresh, 'key-only'), [0], 'seen 40 days ago, not since: the store did exist then');
  t.equal(fresh.activity_since, new Date(NOW - DAY).toISOString());
  t.match(fresh.note, /only since 2026-11-25T00:00:00\.000Z, less than 30 days: an agent never seen is not reported unused/);

  const edge = auditCredentials(compiled, { nowMs: NOW, usage: usage(NOW - 30 * DAY) });
  t.same(unused(edge, 'fresh-key'), [0, 1], 'activity reaching back exactly N days is enough');
  t.equal(edge.note, null);
  t.same(unused(auditCredentials(compiled, { nowMs: NOW, usage: usage(NOW - 30 * DAY + 1) }), 'fresh-key'), [], 'a millisecond short is not');

  const unknown = auditCredentials(compiled, { nowMs: NOW, usage: usage(null) });
  t.same(unused(unknown, 'fresh-key'), []);
  t.equal(unknown.activity_since, null);
  t.match(unknown.note, /for an unknown time/);

  const offline = auditCredentials(compiled, { nowMs: NOW });
  t.same([offline.activity_since, offline.note], [null, null], 'offline: no usage, nothing to say of it');
});

t.test('an unreachable jwks_uri is a high finding for the agents of that issuer', async (t) => {
  const report = auditCredentials(compiled, { nowMs: NOW, reachability: new Map([['http://localhost:9999/ci/jwks', { ok: false, cause: 'ECONNREFUSED: connect ECONNREFUSED' }]]) });
  t.match(byAgent(report, 'fresh-key')?.findings.find((f) => f.code === 'jwks_uri_unreachable'), { severity: 'high', method: 1, message: /ECONNREFUSED/ });
  t.equal(byAgent(report, 'fresh-key')?.findings[0]?.severity, 'high', 'sorted by severity');
});

t.test('CSV: one record per method plus agent-wide findings, formula-safe', async (t) => {
  const csv = credentialsCsv(auditCredentials(compiled, { nowMs: NOW }));
  const lines = csv.split('\r\n');
  t.equal(lines[0], 'agent,owner,tier,method,issuer,subject,key_thumbprints,rotated_at,last_used_at,severity,findings,fixes,activity_since');
  t.equal(lines.at(-1), '');
  t.ok(lines.some((l) => /^key-only,team-a,read-only,agent,,,,,,medium,static_key_only: /.test(l)));
  t.ok(lines.some((l) => /^summarizer,team-a,read-only,keys,,,[A-Za-z0-9_-]{43},2026-01-01,,high,/.test(l)));
});
