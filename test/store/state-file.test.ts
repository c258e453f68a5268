/**
 * The state file's writes: atomic (complete documents only, whoever writes at the same time),
 * private to the broker's user, and clean (no temporary file left by a failed write).
 */
import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readStateFile, writeStateFile } from '../../src/store/state-file.js';
import type { ControlRecord } from '../../src/store/types.js';

const record = (agentId: string): ControlRecord => ({
  agentId, suspended: { atMs: 1, by: 'carol', reason: 'incident 7' }, revokedBeforeMs: 2, version: { epochMs: 3, seq: 4 },
});

t.test('written and read back, readable by its owner only', async (t) => {
  const path = join(t.testdir(), 'controls.json');
  await writeStateFile(path, [record('a')]);
  t.same(await readStateFile(path), [record('a')]);
  t.equal(statSync(path).mode & 0o777, 0o600);
});

t.test('writers at the same time (pods sharing a volume, each pid 1) never share a temporary file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'controls.json');
  const writes = Array.from({ length: 8 }, (_, i) => writeStateFile(path, [record(`agent-${i}`)]));
  await t.resolves(Promise.all(writes), 'every write completes');
  const [held] = await readStateFile(path);
  t.match(held?.agentId, /^agent-\d$/, 'one complete document');
  t.same(readdirSync(dir), ['controls.json'], 'no temporary file left');
});

t.test('a failed write leaves no temporary file behind', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'controls.json');
  const unserializable = { ...record('a'), revokedBeforeMs: 1n } as unknown as ControlRecord;
  await t.rejects(writeStateFile(path, [unserializable]));
  t.same(readdirSync(dir), []);
});
