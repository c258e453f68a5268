/**
 * The one contract both AuthBackoff implementations pass (memory on the manual clock, Redis on
 * its own time). `advance` moves time on: the manual clock, or a short real wait for Redis.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import type { AuthBackoff, BackoffSchedule } from '../../src/admin/index.js';

export const CONTRACT_SCHEDULE: BackoffSchedule = { refuseFrom: 3, windowMs: 1_500, firstRefusalMs: 150, maxRefusalMs: 600 };

export function runAuthBackoffContract(t: Test, name: string, backoff: AuthBackoff, advance: (ms: number) => Promise<void>): void {
  const s = CONTRACT_SCHEDULE;
  const address = () => `10.9.${randomBytes(1)[0]}.${randomBytes(1)[0]}-${randomBytes(3).toString('hex')}`;

  t.test(`${name}: answered normally before the ${s.refuseFrom}rd failure, refused from it`, async (t) => {
    const a = address();
    t.equal(await backoff.refusedForMs(a), 0);
    t.equal((await backoff.recordFailure(a)).refusalMs, 0);
    t.equal((await backoff.recordFailure(a)).refusalMs, 0);
    t.equal(await backoff.refusedForMs(a), 0, 'two failures: not refused');
    t.same(await backoff.recordFailure(a), { refusalMs: s.firstRefusalMs, alreadyRefused: false }, 'the third starts the refusals');
    const left = await backoff.refusedForMs(a);
    t.ok(left > 0 && left <= s.firstRefusalMs, `refused for ${left} ms`);
    t.equal(await backoff.refusedForMs(address()), 0, 'another address is not');
  });

  t.test(`${name}: each further failure doubles the refusal, up to the bound`, async (t) => {
    const a = address();
    const refusals: number[] = [];
    for (let i = 0; i < 6; i++) {
      const outcome = await backoff.recordFailure(a);
      refusals.push(outcome.refusalMs);
      // The next attempt comes once this refusal is over (until then it would not be checked).
      if (outcome.refusalMs > 0) await advance(outcome.refusalMs + 20);
    }
    t.same(refusals, [0, 0, 150, 300, 600, 600]);
  });

  t.test(`${name}: a failure that comes in while refused is not counted`, async (t) => {
    const a = address();
    for (let i = 0; i < 3; i++) await backoff.recordFailure(a);
    const during = await backoff.recordFailure(a);
    t.equal(during.alreadyRefused, true);
    t.ok(during.refusalMs > 0 && during.refusalMs <= s.firstRefusalMs, 'told how long is left of the refusal, not a longer one');
    await advance(s.firstRefusalMs + 20);
    t.same(await backoff.recordFailure(a), { refusalMs: 2 * s.firstRefusalMs, alreadyRefused: false }, 'the next one is the fourth counted, not the fifth');
  });

  t.test(`${name}: the refusal ends, the count stays for the window, then is forgotten`, async (t) => {
    const a = address();
    for (let i = 0; i < 3; i++) await backoff.recordFailure(a);
    await advance(s.firstRefusalMs + 50);
    t.equal(await backoff.refusedForMs(a), 0, 'the refusal is over');
    t.same(await backoff.recordFailure(a), { refusalMs: 2 * s.firstRefusalMs, alreadyRefused: false }, 'the next failure doubles it: the count was kept');
    await advance(s.windowMs + 100);
    t.equal(await backoff.refusedForMs(a), 0);
    t.equal((await backoff.recordFailure(a)).refusalMs, 0, 'a window after the last failure, the address starts afresh');
  });

  t.test(`${name}: failures counted at once: those after the line say the address was refused already`, async (t) => {
    const a = address();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => backoff.recordFailure(a)));
    t.equal(outcomes.filter((o) => !o.alreadyRefused).length, s.refuseFrom, `exactly ${s.refuseFrom} answered as failures`);
    t.ok(outcomes.every((o) => !o.alreadyRefused || o.refusalMs > 0), 'the others carry how long to wait');
    t.ok(outcomes.every((o) => o.refusalMs <= s.firstRefusalMs), 'and are not counted: the refusal is the first one, not doubled');
    t.ok((await backoff.refusedForMs(a)) > 0);
  });
}
