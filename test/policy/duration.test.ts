import t from 'tap';
import { formatDuration, parseDuration } from '../../src/policy/index.js';

t.test('parseDuration accepts a whole number > 0 and one unit', async (t) => {
  const cases: Array<[string, number]> = [
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['180d', 180 * 86_400_000],
    ['1s', 1_000],
  ];
  for (const [text, want] of cases) t.equal(parseDuration(text), want, text);
});

t.test('parseDuration refuses everything else with a clear message', async (t) => {
  const bad = ['', '0s', '10', 'm', '1.5h', '1h30m', '-5m', ' 5m', '5m ', '5M', '5ms', '05m', '1w', '999999999d', 'ten minutes'];
  for (const text of bad) {
    t.throws(() => parseDuration(text), /invalid duration/, JSON.stringify(text));
  }
  t.throws(() => parseDuration(42 as unknown as string), /invalid duration/, 'non-string');
});

t.test('formatDuration picks the largest exact unit', async (t) => {
  t.equal(formatDuration(90_000), '90s');
  t.equal(formatDuration(600_000), '10m');
  t.equal(formatDuration(3_600_000), '1h');
  t.equal(formatDuration(180 * 86_400_000), '180d');
  t.equal(formatDuration(1_500), '1500ms');
  t.equal(formatDuration(0), '0ms');
  for (const text of ['90s', '10m', '1h', '180d']) t.equal(formatDuration(parseDuration(text)), text, `round trip ${text}`);
});
