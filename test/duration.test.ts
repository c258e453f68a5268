import t from 'tap';
import { loadConfig } from '../src/config.js';
import { formatDuration, parseDuration } from '../src/duration.js';
import { POLICY_DURATIONS, validatePolicyDocument } from '../src/policy/index.js';

const policy = (text: string) => parseDuration(text, POLICY_DURATIONS);

t.test('a whole number and one unit', async (t) => {
  const cases: Array<[string, number]> = [
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['180d', 180 * 86_400_000],
    ['1s', 1_000],
  ];
  for (const [text, want] of cases) t.equal(policy(text), want, text);
  t.equal(parseDuration('500ms'), 500, 'settings may use ms');
  t.equal(parseDuration('0s', { minMs: 0 }), 0, 'zero only where the minimum allows it');
});

t.test('everything else is refused with a message saying what a duration looks like', async (t) => {
  const bad = ['', '0s', '10', 'm', '1.5h', '1h30m', '-5m', ' 5m', '5m ', '5M', '5ms', '05m', '1w', '999999999d', 'ten minutes'];
  for (const text of bad) {
    t.throws(() => policy(text), /^invalid duration "/, JSON.stringify(text));
  }
  t.throws(() => policy(42 as unknown as string), /invalid duration "42"/, 'non-string');
  t.throws(() => policy('5ms'), { message: 'invalid duration "5ms": expected a whole number followed by s, m, h or d (e.g. 90s, 10m, 1h, 180d)' });
  t.throws(() => policy('0s'), { message: 'invalid duration "0s": must be at least 1s' });
  t.throws(() => parseDuration('50ms', { minMs: 100 }), { message: 'invalid duration "50ms": must be at least 100ms' });
});

t.test('config errors name the setting; policy errors name the field', async (t) => {
  t.throws(() => loadConfig({ STS_KEY_ROTATION: 'soon' }), /STS_KEY_ROTATION: invalid duration "soon": expected a whole number followed by ms, s, m, h or d/);
  t.throws(() => loadConfig({ STS_KEY_ROTATION: '1s' }), /STS_KEY_ROTATION: invalid duration "1s": must be at least 2s/);
  t.throws(() => loadConfig({ STS_RATE_LIMIT_ADDRESS: '10/1d1h' }), /STS_RATE_LIMIT_ADDRESS: invalid duration "1d1h"/);
  const { problems } = validatePolicyDocument({ tiers: { t1: { scopes: ['a:read'], max_ttl: '1.5h', review_every: '90d' } } }, { baseDir: '/p', nowMs: 0 });
  t.ok(problems.some((p) => p.path === 'tiers[t1].max_ttl' && /invalid duration "1.5h"/.test(p.message)), JSON.stringify(problems));
});

t.test('formatDuration picks the largest exact unit', async (t) => {
  t.equal(formatDuration(90_000), '90s');
  t.equal(formatDuration(600_000), '10m');
  t.equal(formatDuration(3_600_000), '1h');
  t.equal(formatDuration(180 * 86_400_000), '180d');
  t.equal(formatDuration(1_500), '1500ms');
  t.equal(formatDuration(0), '0ms');
  for (const text of ['90s', '10m', '1h', '180d']) t.equal(formatDuration(policy(text)), text, `round trip ${text}`);
});
