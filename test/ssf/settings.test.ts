/** The transmitter's settings (STS_SSF_*): documented defaults, bounds, and each bad value named. */
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

t.test('defaults', async (t) => {
  t.match(loadConfig({}).ssf, {
    maxStreamsPerReceiver: 100, maxBacklog: 10_000, retryBaseMs: 1_000, retryMaxMs: 300_000, pushTimeoutMs: 5_000, pollWaitMs: 5_000, inactivityTimeoutMs: 900_000,
  });
  t.equal(loadConfig({ STS_CONNECTION_TIMEOUT: '4s' }).ssf.pollWaitMs, 2_000, 'a poll ends well before an idle connection is cut');
  t.ok(Object.isFrozen(loadConfig({}).ssf));
});

t.test('values and bounds', async (t) => {
  t.match(loadConfig({ STS_SSF_MAX_STREAMS: '3', STS_SSF_BACKLOG: '50', STS_SSF_RETRY_BASE: '20ms', STS_SSF_RETRY_MAX: '2s', STS_SSF_POLL_WAIT: '1s' }).ssf,
    { maxStreamsPerReceiver: 3, maxBacklog: 50, retryBaseMs: 20, retryMaxMs: 2_000, pollWaitMs: 1_000 });
  t.match(problems({ STS_SSF_MAX_STREAMS: '1001' }), [/^STS_SSF_MAX_STREAMS: must be from 1 to 1000/]);
  t.match(problems({ STS_SSF_MAX_STREAMS: '1e3' }), [/^STS_SSF_MAX_STREAMS: expected a whole number/]);
  t.match(problems({ STS_SSF_BACKLOG: '1' }), [/^STS_SSF_BACKLOG: must be from 2/]);
  t.match(problems({ STS_SSF_RETRY_BASE: 'soon' }), [/^STS_SSF_RETRY_BASE: invalid duration/]);
  t.match(problems({ STS_SSF_RETRY_BASE: '10s', STS_SSF_RETRY_MAX: '1s' }), [/^STS_SSF_RETRY_MAX: must not be shorter than STS_SSF_RETRY_BASE/]);
  t.match(problems({ STS_SSF_POLL_WAIT: '10s' }), [/^STS_SSF_POLL_WAIT: must be shorter than STS_CONNECTION_TIMEOUT/]);
  t.match(problems({ STS_SSF_INACTIVITY_TIMEOUT: '10s' }), [/^STS_SSF_INACTIVITY_TIMEOUT: invalid duration .* at least 1m/]);
});
