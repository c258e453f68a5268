/**
 * Agent state, checked before any intent, audience or scope (issue 2 "Minting"): pending,
 * retired, orphaned and overdue agents are refused with the reason named in
 * error_description (RFC 8693 §2.2.2: invalid_request for token exchange); an operator's
 * suspension refuses tokens until the agent is resumed.
 */
import t, { type Test } from 'tap';
import { agentDoc, basePolicy, buildTestBroker, NOW, type PolicyDoc, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const DAY_MS = 86_400_000;
const sa = (id: string): string => `system:serviceaccount:agents:${id}`;

function policy(): PolicyDoc {
  const doc = basePolicy();
  const pending = agentDoc('pending-agent');
  delete pending.approved_by;
  doc.agents = [
    agentDoc('ticket-summarizer'),
    pending,
    agentDoc('retired-agent', { status: 'retired' }),
    agentDoc('orphan-agent', { owner: 'team-gone' }),
  ];
  return doc;
}

function expectRefused(t: Test, res: Reply, description: RegExp): void {
  t.equal(res.statusCode, 400, res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.equal(body.error, 'invalid_request');
  t.match(body.error_description, description);
  t.notOk(body.access_token);
}

function expectIssued(t: Test, res: Reply): void {
  t.equal(res.statusCode, 200, res.statusCode === 200 ? 'issued' : res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  t.type(res.json().access_token, 'string');
}

t.test('agents that may not get tokens are told why', async (t) => {
  const broker = await buildTestBroker({ policy: policy() });
  t.teardown(broker.close);

  t.test('pending creation review (no approved_by)', async (t) => {
    expectRefused(t, await broker.exchange(await broker.attest(sa('pending-agent'))), /pending-agent.*awaiting creation review/);
    // Whatever it asks for, the state answers first.
    expectRefused(t, await broker.exchange(await broker.attest(sa('pending-agent')), { audience: 'https://payroll.test', scope: 'x:write' }), /awaiting creation review/);
  });

  t.test('retired', async (t) => {
    expectRefused(t, await broker.exchange(await broker.attest(sa('retired-agent'))), /retired-agent.*is retired/);
  });

  t.test('orphaned (owner active: false)', async (t) => {
    expectRefused(t, await broker.exchange(await broker.attest(sa('orphan-agent'))), /orphan-agent.*orphaned/);
  });

  t.test('an active agent of the same policy is served', async (t) => {
    expectIssued(t, await broker.exchange(await broker.attest()));
  });
});

t.test('review overdue: refused once reviewed_at + review_every has passed', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  // reviewed_at 2026-10-01, read-only review_every 180d: due 2027-03-30.
  const due = Date.parse('2026-10-01T00:00:00Z') + 180 * DAY_MS;
  broker.clock.set(due - DAY_MS);
  expectIssued(t, await broker.exchange(await broker.attest()));
  broker.clock.set(due + DAY_MS);
  expectRefused(t, await broker.exchange(await broker.attest()), /ticket-summarizer.*overdue for its permission review/);
  broker.clock.set(NOW);
  expectIssued(t, await broker.exchange(await broker.attest()));
});

t.test('suspension by an operator refuses tokens until resumed', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  expectIssued(t, await broker.exchange(await broker.attest()));
  await broker.store.suspendAgent('ticket-summarizer', { atMs: broker.clock(), by: 'ops@example.com', reason: 'investigating' });
  expectRefused(t, await broker.exchange(await broker.attest()), /ticket-summarizer.*suspended/);
  // Both grants, and the agent-signed assertion too.
  const cc = await broker.clientCredentials(await broker.assertion());
  t.equal(cc.statusCode, 400);
  t.equal(cc.json().error, 'unauthorized_client');
  t.match(cc.json().error_description, /suspended/);
  await broker.store.resumeAgent('ticket-summarizer');
  expectIssued(t, await broker.exchange(await broker.attest()));
  expectIssued(t, await broker.clientCredentials(await broker.assertion()));
});
