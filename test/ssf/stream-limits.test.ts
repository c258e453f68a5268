/**
 * The transmitter's total bound on streams is not held by abandoned ones: a poll stream
 * nobody polled for the inactivity timeout gives its place to any receiver, not only to its own.
 */
import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { createMemorySsfState } from '../../src/ssf/index.js';
import { DEFAULT_SSF_SETTINGS } from '../../src/ssf/settings.js';
import { createStreamManagement } from '../../src/ssf/stream-management.js';
import { createWakeups } from '../../src/ssf/wakeups.js';
import { everyReceiver } from '../../src/ssf/audience-scope.js';

function management() {
  const clock = manualClock(Date.UTC(2026, 10, 26));
  const state = createMemorySsfState(clock);
  const wakeups = createWakeups({ version: () => state.version(), everyMs: 1_000 });
  t.teardown(() => wakeups.close());
  const settings = { ...DEFAULT_SSF_SETTINGS, maxStreams: 2, inactivityTimeoutMs: 60_000 };
  return { clock, streams: createStreamManagement({ issuer: 'https://sts.test', clock, state, settings, wakeups, metrics: { emitted: () => undefined }, scope: everyReceiver }) };
}

t.test('another receiver\'s abandoned poll streams give up their places', async (t) => {
  const { clock, streams } = management();
  await streams.create('api-a', {});
  await streams.create('api-a', {});
  const full = await streams.create('api-b', {}).then(() => null, (error: unknown) => error);
  t.match(full, { status: 409, reason: 'total_limit' }, 'full while they are polled');
  clock.advance(61_000);
  t.match(await streams.create('api-b', {}), { aud: 'api-b' }, 'idle past the timeout: their places are taken');
  t.equal((await streams.read('api-a', undefined)).length, 0, 'the abandoned streams are gone');
});
