/** The offline governance report: rows, and table / JSON / CSV output. */
import t from 'tap';
import { buildInventory, formatInventory, type InventoryRow } from '../../src/policy/index.js';
import { basePolicy, compileRaw, DAY, fixtureJwks, NOW, patch, rawAgent } from './build.js';

const agentJwk = (fixtureJwks('agent.jwks.json').keys as unknown[])[0];
const raw = patch(basePolicy(), {
  'agents.0.attestation.1': { keys: { keys: [agentJwk] } },
  'agents.0.intents.1': { name: 'search', audience: 'https://search', scopes: ['search:read'] },
  'agents.1': rawAgent('pending-one', { approved_by: undefined, attestation: [{ keys: { keys: [agentJwk] } }] }),
  'agents.2': rawAgent('orphan', { owner: 'team-gone', reviewed_at: '2026-06-01' }),
  'agents.3': rawAgent('old', { status: 'retired', reviewed_at: '2025-01-01' }),
  'agents.4': rawAgent('due-soon', { reviewed_at: '2026-06-05' }),
});
delete (raw.agents as Array<Record<string, unknown>>)[1]?.approved_by;
const rows = buildInventory(compileRaw(raw), NOW);
const row = (id: string) => rows.find((r) => r.id === id) as InventoryRow;

t.test('one row per agent with the computed flags', async (t) => {
  t.same(rows.map((r) => r.id), ['summarizer', 'pending-one', 'orphan', 'old', 'due-soon']);
  t.same(row('summarizer'), {
    id: 'summarizer', owner: 'team-a', owner_active: true, tier: 'read-only', status: 'active', state: 'active', blocked_by: null, orphaned: false,
    created_by: 'alice@example.com', approved_by: 'bob@example.com', reviewed_at: '2026-10-01',
    review_due_at: new Date(Date.UTC(2026, 9, 1) + 180 * DAY).toISOString(), review_overdue: false, review_due_soon: false,
    intents: ['read-tickets', 'search'], audiences: ['https://tickets.example', 'https://search'],
    credential_kinds: ['issuer', 'keys'], issuers: ['https://k8s.example'], acts_for_people: false, serves: [],
  });
  t.match(row('pending-one'), { state: 'pending', blocked_by: 'pending', approved_by: null, credential_kinds: ['keys'], issuers: [] });
  t.match(row('orphan'), { orphaned: true, owner_active: false, state: 'active', blocked_by: 'orphaned' });
  t.match(row('old'), { state: 'retired', blocked_by: 'retired', status: 'retired', review_overdue: true });
  t.match(row('due-soon'), { review_due_soon: true, review_overdue: false }); // due 2026-12-02, within 14 days
});

t.test('json is the rows', async (t) => {
  t.same(JSON.parse(formatInventory(rows, 'json')), rows);
});

t.test('table: header, one line per agent, no control characters', async (t) => {
  const table = formatInventory(rows, 'table').trimEnd().split('\n');
  t.equal(table.length, rows.length + 1);
  t.match(table[0], /^id\s+owner\s+tier\s+state\s+blocked_by\s+orphaned\s+review_due_at/);
  t.match(table[1], /^summarizer\s+team-a\s+read-only\s+active\s+-\s+false\s+2027-03-30/);
  const evil = formatInventory([{ ...row('summarizer'), id: 'a\u001b[31mred' }], 'table');
  t.notMatch(evil, /\u001b/);
});

t.test('csv: RFC 4180 with CRLF, header first', async (t) => {
  const csv = formatInventory(rows, 'csv');
  const lines = csv.split('\r\n');
  t.equal(lines.at(-1), '', 'ends with CRLF');
  t.equal(lines.length, rows.length + 2);
  t.equal(lines[0], 'id,owner,owner_active,tier,status,state,blocked_by,orphaned,created_by,approved_by,reviewed_at,review_due_at,review_overdue,review_due_soon,intents,audiences,credential_kinds,issuers');
  t.match(lines[1], /^summarizer,team-a,true,read-only,active,active,,false,alice@example.com,bob@example.com,2026-10-01,2027-03-30T00:00:00.000Z,false,false,"read-tickets;search","https:\/\/tickets.example;https:\/\/search","issuer;keys",https:\/\/k8s.example$/);
  t.notMatch(csv.replace(/\r\n/g, ''), /[\r\n]/, 'no bare line breaks');
});

t.test('csv rows escape policy values', async (t) => {
  const csv = formatInventory([{ ...row('summarizer'), created_by: '=cmd|"/c calc"!A1', intents: ['a,b', '@x'] }], 'csv');
  const line = csv.split('\r\n')[1] ?? '';
  t.match(line, /,"'=cmd\|""\/c calc""!A1",/);
  t.match(line, /,"a,b;@x",/);
});
