import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { createMemorySsfState } from '../../src/ssf/index.js';
import { runSsfStateContract } from './state-contract.js';

runSsfStateContract(t, 'memory', () => {
  const clock = manualClock(1_000_000);
  return { state: createMemorySsfState(clock), advance: async (ms) => clock.advance(ms) };
});
