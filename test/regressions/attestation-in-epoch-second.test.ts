/**
 * Regression (probe of the running broker): a single-use attestation signed in the same second
 * as the store's epoch was refused. `iat` has whole seconds and the epoch milliseconds, so an
 * attestation issued at 12:00:00.700 reads as 12:00:00, "before" an epoch of 12:00:00.500.
 * Only one whose whole second ended before the epoch may have been claimed in the lost state.
 */
import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { createMemoryStore } from '../../src/store/index.js';
import { basePolicy, buildTestBroker, NOW, SA } from '../helpers/broker.js';

const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

t.test('a single-use attestation of the epoch\'s own second is accepted; one from the second before is not', async (t) => {
  const policy = basePolicy();
  (policy.issuers as Array<Record<string, unknown>>)[0]!.single_use = true;
  // The store starts half a second into NOW's second; the broker's clock is then at NOW + 700 ms.
  const storeClock = manualClock(NOW + 500);
  const broker = await buildTestBroker({ policy, now: NOW + 700, store: createMemoryStore({ clock: storeClock }) });
  t.teardown(broker.close);
  t.equal(await broker.store.epoch(), NOW + 500);

  const sameSecond = await broker.exchange(await broker.attest(SA, NAMESPACE));
  t.equal(sameSecond.statusCode, 200, `iat ${Math.floor(NOW / 1000)} with the epoch inside that second: ${sameSecond.body}`);
  const secondBefore = await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -1 }));
  t.equal(secondBefore.statusCode, 400, 'issued in the second before the epoch: its claim may have been lost');
});
