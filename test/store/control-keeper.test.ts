/**
 * The control keeper's durable store: a control write resolves once the copy and the state file
 * hold it, rejects when the store took it but the file could not be written, and that write is
 * made again at the next refresh even though nothing changed since.
 */
import t, { type Test } from 'tap';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '../../src/clock.js';
import { createControlKeeper, createMemoryStore } from '../../src/store/index.js';
import { ControlNotDurableError } from '../../src/store/control-keeper.js';
import { pollUntil } from '../helpers/redis-broker.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const suspension = { atMs: 1, by: 'carol', reason: 'incident 7' };

function setUp(t: Test, refreshMs?: number) {
  const clock = manualClock(Date.UTC(2026, 10, 1));
  const dir = join(t.testdir(), 'state');
  mkdirSync(dir);
  const stateFile = join(dir, 'controls.json');
  const store = createMemoryStore({ clock });
  const errors: object[] = [];
  const keeper = createControlKeeper({ store, clock, stateFile, logger: { ...silent, error: (obj) => { errors.push(obj); } }, ...(refreshMs ? { refreshMs } : {}) });
  t.teardown(async () => {
    await keeper.close();
    await store.close();
  });
  const onDisk = (agentId: string) =>
    (JSON.parse(readFileSync(stateFile, 'utf8')) as { agents: Array<{ agentId: string; suspended: unknown; revokedBeforeMs: unknown }> }).agents.find((r) => r.agentId === agentId);
  return { dir, store, keeper, errors, onDisk };
}

t.test('every control write resolves once the state file holds it', async (t) => {
  const { keeper, onDisk } = setUp(t);
  await keeper.start();
  await keeper.durableStore.suspendAgent('a', suspension);
  t.match(onDisk('a'), { suspended: suspension });
  await keeper.durableStore.revokeAgentTokens('a', 5);
  t.match(onDisk('a'), { revokedBeforeMs: 5 });
  await keeper.durableStore.resumeAgent('a');
  t.match(onDisk('a'), { suspended: null });
  t.equal(keeper.pendingSuspension('a', Number.NaN), null, 'the copy holds the resumption too');
});

t.test('the rest of the store is the store\'s own', async (t) => {
  const { store, keeper } = setUp(t);
  await keeper.start();
  t.equal(keeper.durableStore.kind, store.kind);
  t.equal(await keeper.durableStore.claimOnce('k', 1000), true);
  t.equal(await store.claimOnce('k', 1000), false, 'one store underneath');
});

t.test('a file that cannot be written: the store holds the change, the write rejects, the next refresh saves it', async (t) => {
  const { dir, store, keeper, errors, onDisk } = setUp(t, 20);
  await keeper.start();
  rmSync(dir, { recursive: true });
  await t.rejects(keeper.durableStore.suspendAgent('a', suspension), ControlNotDurableError);
  t.match(await store.getAgentControl('a'), { suspended: suspension }, 'in force');
  t.match(errors, [{ agent: 'a' }], 'logged at error level');
  mkdirSync(dir);
  // Nothing changes in the store from here on: only the failed write is left to make.
  const saved = await pollUntil(async () => {
    try {
      return (onDisk('a')?.suspended ?? null) !== null;
    } catch {
      return false; // not written yet
    }
  }, 2_000);
  t.not(saved, null, 'written by a refresh once it can be');
});
