import t from 'tap';
import { createMemoryAnomalyState } from '../../src/anomaly/index.js';
import { runAnomalyStateContract } from './state-contract.js';

runAnomalyStateContract(t, 'memory', () => createMemoryAnomalyState());

t.test('memory: the number of agents is bounded', async (t) => {
  const s = createMemoryAnomalyState({ maxAgents: 2 });
  await s.recordIssued('a', 1, {});
  await s.recordIssued('b', 1, {});
  await s.recordIssued('c', 1, {});
  t.ok((await s.recordIssued('a', 2, {})).firstEver, 'the least recently used agent was forgotten');
});
