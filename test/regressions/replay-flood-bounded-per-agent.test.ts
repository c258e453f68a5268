/**
 * Regression (probe of the running broker): with the embedded store, one agent flooding unique
 * single-use assertions filled the replay map, and then every other agent got 503 while
 * /readyz still said ready. Each agent now has a bounded share (the flooder gets 429), and a
 * full map shows in /readyz.
 */
import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { createMemoryStore } from '../../src/store/index.js';
import { agentDoc, basePolicy, buildTestBroker, NOW } from '../helpers/broker.js';

function twoAgents() {
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer'), agentDoc('flooder')];
  return policy;
}

t.test('a flooding agent exhausts only its own share', async (t) => {
  const clock = manualClock(NOW);
  const store = createMemoryStore({ clock, maxEntries: 100, replaySharePerAgent: 10 });
  const broker = await buildTestBroker({ policy: twoAgents(), store, now: NOW });
  t.teardown(broker.close);
  for (let i = 0; i < 10; i++) t.equal((await broker.clientCredentials(await broker.assertion('flooder'))).statusCode, 200);
  const flood = await broker.clientCredentials(await broker.assertion('flooder'));
  t.equal(flood.statusCode, 429, flood.body);
  t.ok(Number(flood.headers['retry-after']) >= 1, 'with Retry-After');
  t.equal((await broker.clientCredentials(await broker.assertion('ticket-summarizer'))).statusCode, 200, 'another agent still gets tokens');
  t.equal((await broker.app.inject('/readyz')).statusCode, 200, 'the store is not full');
});

t.test('a full replay map is reported by /readyz', async (t) => {
  const clock = manualClock(NOW);
  const store = createMemoryStore({ clock, maxEntries: 6, replaySharePerAgent: 6 });
  const broker = await buildTestBroker({ policy: twoAgents(), store, now: NOW });
  t.teardown(broker.close);
  for (let i = 0; i < 6; i++) t.equal((await broker.clientCredentials(await broker.assertion(i % 2 ? 'flooder' : 'ticket-summarizer'))).statusCode, 200);
  t.equal((await broker.clientCredentials(await broker.assertion('ticket-summarizer'))).statusCode, 503, 'full: fails closed');
  const ready = await broker.app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().checks.replay_capacity, false);
  clock.advance(200_000); // every assertion (120 s, +60 s tolerance) has expired
  broker.clock.advance(200_000);
  t.equal((await broker.app.inject('/readyz')).statusCode, 200, 'ready again once the claims expire');
});
