import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '../../src/clock.js';
import { createAuditTrail } from '../../src/audit/index.js';
import type { AuditRecord, Store } from '../../src/store/types.js';

const quiet = { warn: () => {}, error: () => {} };

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function lines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

t.test('writes structured records with event, time and stream', async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const clock = manualClock(Date.UTC(2030, 0, 2, 3, 4, 5));
  const trail = createAuditTrail({ destination: file, clock, logger: quiet });
  trail.record('token_issued', { agent: 'a1', jti: 'j1', scopes: ['x'] });
  trail.close();
  const [rec] = lines(file);
  t.match(rec, { level: 'info', event: 'token_issued', agent: 'a1', jti: 'j1', stream: 'audit', time: '2030-01-02T03:04:05.000Z' });
  t.same(Object.keys(rec ?? {}).slice(0, 3), ['level', 'time', 'stream'], 'the shape of the app logs, one JSON object per line');
  t.equal(trail.healthy(), true);
});

t.test("a record's data cannot change its event, stream, level or time", async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const trail = createAuditTrail({ destination: file, clock: manualClock(0), logger: quiet });
  trail.record('token_denied', { event: 'token_issued', stream: 'app', level: 'debug', time: 'yesterday', agent: 'a1' });
  trail.close();
  const [rec] = lines(file);
  t.match(rec, { event: 'token_denied', stream: 'audit', level: 'info', time: '1970-01-01T00:00:00.000Z', agent: 'a1' });
});

t.test('a record that cannot be serialised is refused, not half-written', async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const trail = createAuditTrail({ destination: file, clock: manualClock(0), logger: quiet });
  t.throws(() => trail.record('token_issued', { agent: 'a1', count: 1n }), { name: 'AuditWriteError' });
  t.equal(trail.healthy(), false, 'minting is refused until a record is written');
  trail.record('token_issued', { agent: 'a1' });
  t.equal(trail.healthy(), true);
  trail.close();
  t.same(lines(file).map((r) => r.event), ['token_issued']);
});

t.test('never writes token, assertion or key material', async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const appended: Array<Omit<AuditRecord, 'id'>> = [];
  const store = { appendAudit: async (r: Omit<AuditRecord, 'id'>) => { appended.push(r); } } as unknown as Store;
  const trail = createAuditTrail({ destination: file, store, clock: manualClock(0), logger: quiet });
  trail.record('oops', {
    agent: 'a1',
    token: 'eyJSECRET.x.y',
    subject_token: 'eyJSECRET2',
    nested: { client_assertion: 'eyJSECRET3', private_key: '-----BEGIN PRIVATE KEY-----', Authorization: 'Bearer s3cr3t' },
    list: [{ access_token: 'eyJSECRET4' }],
  });
  trail.close();
  await new Promise((r) => setImmediate(r));
  const text = readFileSync(file, 'utf8');
  t.notMatch(text, /SECRET|PRIVATE KEY|s3cr3t/);
  t.match(text, /\[Redacted\]/);
  t.equal(appended.length, 1);
  t.notMatch(JSON.stringify(appended), /SECRET|PRIVATE KEY|s3cr3t/);
  t.match(appended[0], { event: 'oops', agent: 'a1' });
});

t.test('a full disk (/dev/full) makes record throw and the trail unhealthy', { skip: !existsSync('/dev/full') }, async (t) => {
  const errors: object[] = [];
  const trail = createAuditTrail({ destination: '/dev/full', clock: manualClock(0), logger: { warn: () => {}, error: (o) => errors.push(o) } });
  t.throws(() => trail.record('token_issued', { agent: 'a1' }), { name: 'AuditWriteError', code: 'ENOSPC' });
  t.equal(trail.healthy(), false);
  t.equal(trail.probe(), false);
  t.equal(trail.healthy(), false);
  t.equal(errors.length, 1, 'the failure is logged once, not per record');
  trail.close();
});

t.test('tryRecord: records, or logs at error level that the event went unrecorded (redacted)', { skip: !existsSync('/dev/full') }, async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const errors: Array<[Record<string, unknown>, string]> = [];
  const logger = { warn: () => {}, error: (o: object, msg: string) => void errors.push([o as Record<string, unknown>, msg]) };
  const ok = createAuditTrail({ destination: file, clock: manualClock(0), logger });
  t.equal(ok.tryRecord('token_revoked', { jti: 'j1' }), true);
  ok.close();
  t.match(lines(file), [{ event: 'token_revoked', jti: 'j1' }]);
  t.same(errors, []);

  const full = createAuditTrail({ destination: '/dev/full', clock: manualClock(0), logger });
  t.equal(full.tryRecord('operator_auth_failed', { reason: 'unknown_key', token: 'eyJSECRET' }), false, 'does not throw');
  full.close();
  const unrecorded = errors.find(([, msg]) => /went unrecorded/.test(msg));
  t.match(unrecorded?.[0], { audit_event: 'operator_auth_failed', reason: 'unknown_key', err: 'ENOSPC' }, 'the log keeps the event and its fields');
  t.notMatch(JSON.stringify(errors), /SECRET/, 'redacted like the trail');
});

t.test('recovers when the destination becomes writable again', { skip: !existsSync('/dev/full') }, async (t) => {
  const dir = tempDir(t);
  const link = join(dir, 'audit.log');
  const real = join(dir, 'real.log');
  symlinkSync('/dev/full', link);
  const trail = createAuditTrail({ destination: link, clock: manualClock(0), logger: quiet });
  t.throws(() => trail.record('token_issued', { agent: 'a1' }));
  t.equal(trail.healthy(), false);
  // The operator frees space: the path now leads to a writable file.
  unlinkSync(link);
  symlinkSync(real, link);
  t.equal(trail.probe(), true, 'the probe reopens the path and writes');
  t.equal(trail.healthy(), true);
  trail.record('token_issued', { agent: 'a2' });
  trail.close();
  t.same(lines(real).map((r) => r.event), ['audit_probe', 'token_issued']);
});

t.test('an unopenable path fails on record and recovers through record too', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'missing-dir', 'audit.log');
  const trail = createAuditTrail({ destination: path, clock: manualClock(0), logger: quiet });
  t.throws(() => trail.record('x', {}), { code: 'ENOENT' });
  t.equal(trail.healthy(), false);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'missing-dir'));
  trail.record('y', {});
  t.equal(trail.healthy(), true);
  trail.close();
  t.same(lines(path).map((r) => r.event), ['y']);
});

t.test('store failures are logged, never thrown', async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const warned: string[] = [];
  const store = { appendAudit: async () => { throw new Error('down'); } } as unknown as Store;
  const trail = createAuditTrail({ destination: file, store, clock: manualClock(0), logger: { warn: (_o, m) => warned.push(m), error: () => {} } });
  trail.record('x', { agent: 'a' });
  await new Promise((r) => setImmediate(r));
  t.equal(warned.length, 1);
  t.equal(trail.healthy(), true);
  trail.close();
});

t.test('commit: the records of one turn go out in one write, each caller told after it', async (t) => {
  const writes: string[] = [];
  let failing = false;
  const trail = createAuditTrail({
    destination: { write: (text) => { if (failing) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' }); writes.push(text); }, close: () => {} },
    clock: manualClock(0),
    logger: quiet,
  });
  let settled = 0;
  const burst = ['j1', 'j2', 'j3'].map((jti) => trail.commit('token_issued', { jti, client_assertion: 'eyJ.secret' }).then(() => { settled++; }));
  t.equal(writes.length, 0, 'nothing written before the turn ends');
  t.equal(settled, 0, 'and nobody told it was');
  await Promise.all(burst);
  t.equal(writes.length, 1, 'one write for the three');
  t.same(writes[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { jti: string }).jti), ['j1', 'j2', 'j3'], 'in the order committed');
  t.notMatch(writes[0], /eyJ\.secret/, 'secrets redacted as with record');

  failing = true;
  const refused = await Promise.allSettled([trail.commit('token_issued', { jti: 'j4' }), trail.commit('token_issued', { jti: 'j5' })]);
  t.same(refused.map((r) => r.status), ['rejected', 'rejected'], 'a failed write refuses every record of its turn');
  t.equal(trail.healthy(), false);
  failing = false;
  await trail.commit('token_issued', { jti: 'j6' });
  t.equal(trail.healthy(), true, 'the next write that succeeds makes it healthy again');
});

t.test('commit then record in the same turn: the file keeps the order they were made in', async (t) => {
  const file = join(tempDir(t), 'audit.log');
  const trail = createAuditTrail({ destination: file, clock: manualClock(0), logger: quiet });
  const committed = trail.commit('token_issued', { jti: 'first' });
  trail.record('agent_suspended', { agent: 'a1' });
  await committed;
  const pending = trail.commit('token_issued', { jti: 'last' });
  trail.close();
  await pending;
  t.same(lines(file).map((r) => r.jti ?? r.event), ['first', 'agent_suspended', 'last'], 'and close writes what is pending');
});
