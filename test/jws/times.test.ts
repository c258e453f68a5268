import t from 'tap';
import { checkTimes, readTimes, type TimeRules } from '../../src/jws/index.js';

const now = 1_000_000_000;
const nowS = now / 1000;
const hour = 3_600_000;

function check(iat: number, exp: number, extra: Partial<TimeRules> & { nbf?: number } = {}): string {
  const { nbf, ...rules } = extra;
  const r = checkTimes(nbf === undefined ? { iat, exp } : { iat, exp, nbf }, now, { toleranceMs: 60_000, ...rules });
  return r === null ? 'ok' : r.reason;
}

t.test('time rules with a 60 s tolerance', async (t) => {
  t.equal(check(nowS - 10, nowS + 600), 'ok');
  t.equal(check(nowS - 700, nowS - 60), 'expired', 'exp at the tolerance edge');
  t.equal(check(nowS - 700, nowS - 59), 'ok', 'within 60 s tolerance');
  t.equal(check(nowS + 61, nowS + 600), 'issued_in_future', 'future iat');
  t.equal(check(nowS + 60, nowS + 600), 'ok', 'iat within tolerance');
  t.equal(check(nowS - 10, nowS + 600, { nbf: nowS + 61 }), 'not_yet_valid', 'future nbf');
  t.equal(check(nowS - 10, nowS + 600, { nbf: nowS + 60 }), 'ok');
  t.equal(check(nowS - 3661, nowS - 1, { maxAgeMs: hour }), 'too_old', 'older than max_age + tolerance');
  t.equal(check(nowS - 3660, nowS, { maxAgeMs: hour }), 'ok', 'exactly max_age + 60 s old');
  t.equal(check(nowS - 10, nowS - 10 + 3607, { maxAgeMs: hour }), 'ok', 'a Kubernetes token living 3607 s passes 1h');
  t.equal(check(nowS - 10, nowS - 10 + 3661, { maxAgeMs: hour }), 'too_old', 'living longer than max_age + tolerance');
  t.equal(check(nowS - 10, nowS - 10 + 300, { maxLifetimeS: 300 }), 'ok');
  t.equal(check(nowS - 10, nowS - 10 + 301, { maxLifetimeS: 300 }), 'bad_claims', 'assertion over 5 minutes');
  t.equal(check(nowS, nowS), 'bad_claims', 'exp not after iat');
});

t.test('tokens of our own clock: no leeway on exp, the skew on nbf and iat', async (t) => {
  const own = { expToleranceMs: 0 };
  t.equal(check(nowS - 10, nowS, own), 'expired', 'at exp');
  t.equal(check(nowS - 10, nowS + 0.001, own), 'ok', 'just before exp');
  t.equal(check(nowS + 60, nowS + 120, own), 'ok', 'iat within the skew');
  t.equal(check(nowS - 10, nowS + 120, { ...own, nbf: nowS + 61 }), 'not_yet_valid');
});

t.test('readTimes: exp and iat required NumericDates, nbf optional', async (t) => {
  t.same(readTimes({ iat: 1, exp: 2 }), { iat: 1, exp: 2 });
  t.same(readTimes({ iat: 1, exp: 2, nbf: 1 }), { iat: 1, exp: 2, nbf: 1 });
  t.match(readTimes({ iat: '1', exp: 2 }), { ok: false, reason: 'bad_claims', claim: 'iat' });
  t.match(readTimes({ iat: 1 }), { ok: false, reason: 'bad_claims', claim: 'exp' });
  t.match(readTimes({ exp: 2 }), { ok: false, reason: 'bad_claims', claim: 'iat' });
  t.match(readTimes({ iat: 1, exp: 2, nbf: 'x' }), { ok: false, claim: 'nbf' });
  t.match(readTimes({ iat: 1, exp: Infinity }), { ok: false, claim: 'exp' }, 'not finite');
  t.match(readTimes({ iat: 1, exp: null }), { ok: false, claim: 'exp' });
});
