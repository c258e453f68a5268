import t from 'tap';
import { createAuditTrail } from '../../src/audit/index.js';
import { manualClock } from '../../src/clock.js';
import { createAuthFailureAudit } from '../../src/routes/admin/auth-failure-audit.js';

const WINDOW = 60_000;

function setup(maxAddresses?: number) {
  const clock = manualClock(Date.parse('2026-11-01T12:00:00Z'));
  const lines: Array<Record<string, unknown>> = [];
  const audit = createAuditTrail({ destination: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>), close: () => {} }, clock, logger: { warn: () => {}, error: () => {} } });
  return { clock, lines, failures: createAuthFailureAudit(audit, clock, WINDOW, maxAddresses === undefined ? {} : { maxAddresses }) };
}

t.test('the first failure of a window is recorded at once, the rest summarized when the window ends', async (t) => {
  const { clock, lines, failures } = setup();
  failures.failed('10.0.0.1', 'unknown_key', { remote_address: '10.0.0.1', path: '/admin/agents' });
  for (let i = 0; i < 999; i++) failures.failed('10.0.0.1', i % 2 ? 'unknown_key' : 'malformed_authorization', {});
  for (let i = 0; i < 50; i++) failures.refused('10.0.0.1');
  t.match(lines, [{ event: 'operator_auth_failed', reason: 'unknown_key', remote_address: '10.0.0.1', path: '/admin/agents' }]);
  t.equal(lines.length, 1, 'one line for a thousand failures so far');
  clock.advance(WINDOW);
  failures.failed('10.0.0.2', 'unknown_key', {});
  t.equal(lines.length, 3);
  t.match(lines[1], {
    event: 'operator_auth_failures', remote_address: '10.0.0.1', failures: 1_000, refused: 50,
    failures_by_reason: { unknown_key: 500, malformed_authorization: 500 }, from: '2026-11-01T12:00:00.000Z',
  });
  t.match(lines[2], { event: 'operator_auth_failed', remote_address: '10.0.0.2' });
});

t.test('a lone failure needs no summary; the next window records its first failure again', async (t) => {
  const { clock, lines, failures } = setup();
  failures.failed('10.0.0.1', 'unknown_key', {});
  clock.advance(WINDOW);
  failures.sweep();
  t.equal(lines.length, 1);
  failures.failed('10.0.0.1', 'unknown_key', {});
  t.equal(lines.length, 2, 'a new window');
});

t.test('at shutdown every open window is summarized; past the bound the oldest is summarized early', async (t) => {
  const { lines, failures } = setup(2);
  for (const address of ['a', 'a', 'b', 'b', 'c']) failures.failed(address, 'unknown_key', {});
  t.same(lines.map((l) => [l.event, l.remote_address]), [
    ['operator_auth_failed', 'a'], ['operator_auth_failed', 'b'], ['operator_auth_failures', 'a'], ['operator_auth_failed', 'c'],
  ]);
  failures.sweep(true);
  t.same(lines.slice(4).map((l) => [l.event, l.remote_address, l.failures]), [['operator_auth_failures', 'b', 2]]);
});
