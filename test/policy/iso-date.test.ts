import t from 'tap';
import { parseClaimKey, parseIsoDate } from '../../src/policy/index.js';

t.test('parseIsoDate', async (t) => {
  t.equal(parseIsoDate('2026-10-01'), Date.UTC(2026, 9, 1));
  t.equal(parseIsoDate('2026-10-01T09:30:00Z'), Date.UTC(2026, 9, 1, 9, 30));
  t.equal(parseIsoDate('2026-10-01T09:30+02:00'), Date.UTC(2026, 9, 1, 7, 30));
  t.equal(parseIsoDate('2026-10-01T09:30:15.5-01:00'), Date.UTC(2026, 9, 1, 10, 30, 15, 500));
  t.equal(parseIsoDate('2024-02-29'), Date.UTC(2024, 1, 29), 'leap day');
  for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-1-1', '01/10/2026', '2026-10-01T25:00Z',
    '2026-10-01T09:30', '2026-10-01 09:30Z', 'yesterday', '']) {
    t.equal(parseIsoDate(bad), null, bad);
  }
});

t.test('parseClaimKey: RFC 6901 pointers and plain names', async (t) => {
  t.same(parseClaimKey('namespace'), { path: ['namespace'] });
  t.same(parseClaimKey('kubernetes.io'), { path: ['kubernetes.io'] }, 'a plain name is taken literally');
  t.same(parseClaimKey('/kubernetes.io/namespace'), { path: ['kubernetes.io', 'namespace'] });
  t.same(parseClaimKey('/a~1b/c~0d'), { path: ['a/b', 'c~d'] });
  t.same(parseClaimKey('/~01'), { path: ['~1'] }, '~1 is decoded before ~0');
  t.same(parseClaimKey('/'), { path: [''] });
  t.match(parseClaimKey('/a~2'), { error: /RFC 6901/ });
  t.match(parseClaimKey('/a~'), { error: /RFC 6901/ });
  t.match(parseClaimKey(''), { error: /empty/ });
});
