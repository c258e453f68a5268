/**
 * One contract for every SsfState (memory, Redis, Redis Cluster): the stream registry and its
 * bounds, per-receiver listing, backlogs in order with acknowledgement by jti, the gap marker
 * of a full backlog, delivery leases, the verification interval and the change signal, and the
 * log of recent events a new stream catches up from.
 */
import type { Test } from 'tap';
import type { SsfState, StreamRecord } from '../../src/ssf/index.js';

export interface StateHarness {
  state: SsfState;
  /** Lets `ms` pass for lease and claim expiry (a manual clock, or real time for Redis). */
  advance(ms: number): Promise<void>;
}

const LIMITS = { perReceiver: 3, total: 5 };
let n = 0;
const id = () => (++n).toString(16).padStart(32, '0');
const stream = (receiver = 'api-a', extra: Partial<StreamRecord> = {}): StreamRecord => ({
  id: id(), receiver, createdAtMs: 1_000, delivery: { method: 'urn:ietf:rfc:8936' }, status: 'enabled', excludedSubjects: [], ...extra,
});

export function runSsfStateContract(t: Test, name: string, make: () => Promise<StateHarness> | StateHarness): void {
  t.test(`${name}: streams are created within bounds, listed per receiver, saved and deleted`, async (t) => {
    const { state } = await make();
    const a1 = stream('api-a', { description: 'first', delivery: { method: 'urn:ietf:rfc:8935', endpointUrl: 'https://a.example/e', authorizationHeader: 'Bearer x' } });
    t.equal(await state.createStream(a1, LIMITS), 'created');
    t.same(await state.getStream(a1.id), a1, 'read back as written');
    t.equal(await state.createStream(stream('api-a'), LIMITS), 'created');
    t.equal(await state.createStream(stream('api-a'), LIMITS), 'created');
    t.equal(await state.createStream(stream('api-a'), LIMITS), 'receiver_limit');
    t.equal(await state.createStream(stream('api-b'), LIMITS), 'created');
    t.equal(await state.createStream(stream('api-c'), LIMITS), 'created');
    t.equal(await state.createStream(stream('api-d'), LIMITS), 'total_limit');
    t.equal((await state.listStreams('api-a')).length, 3);
    t.same((await state.listStreams('api-b')).map((s) => s.receiver), ['api-b']);
    t.same(await state.listStreams('nobody'), []);
    t.equal((await state.listStreams()).length, 5, 'every stream');

    t.ok(await state.saveStream({ ...a1, status: 'paused', reason: 'r' }));
    t.match(await state.getStream(a1.id), { status: 'paused', reason: 'r' });
    t.notOk(await state.saveStream(stream('api-a')), 'saving a stream that does not exist');

    await state.append(a1.id, 'j1', '{}', 5, 10);
    t.ok(await state.deleteStream(a1.id));
    t.equal(await state.getStream(a1.id), null);
    t.equal(await state.backlog(a1.id), 0, 'its backlog goes with it');
    t.notOk(await state.deleteStream(a1.id));
    t.equal(await state.createStream(stream('api-a'), LIMITS), 'created', 'room again for that receiver');
  });

  t.test(`${name}: a backlog keeps order, ignores a repeated jti, and is acknowledged by jti`, async (t) => {
    const { state } = await make();
    const s = stream();
    await state.createStream(s, LIMITS);
    t.same(await state.pending(s.id, 10), [], 'nothing yet');
    for (const jti of ['a', 'b', 'c', 'd']) t.same(await state.append(s.id, jti, `{"n":"${jti}"}`, 100, 10), { appended: true, dropped: 0 });
    t.same(await state.append(s.id, 'b', '{"n":"again"}', 100, 10), { appended: false, dropped: 0 }, 'a retried append');
    t.equal(await state.backlog(s.id), 4);
    t.same(await state.pending(s.id, 2), [{ jti: 'a', record: '{"n":"a"}' }, { jti: 'b', record: '{"n":"b"}' }], 'oldest first, at most max');
    t.same(await state.pending(s.id, 0), []);
    t.equal(await state.ack(s.id, ['b', 'zzz']), 1, 'acknowledges anywhere in the backlog; unknown jtis are ignored');
    t.same((await state.pending(s.id, 10)).map((p) => p.jti), ['a', 'c', 'd']);
    t.equal(await state.ack(s.id, ['a', 'c', 'd']), 3);
    t.equal(await state.backlog(s.id), 0);
    await state.append(s.id, 'e', '{}', 100, 10);
    await state.clearBacklog(s.id);
    t.same(await state.pending(s.id, 10), []);
  });

  t.test(`${name}: a full backlog drops its oldest events behind a gap that is delivered first`, async (t) => {
    const { state } = await make();
    const s = stream();
    await state.createStream(s, LIMITS);
    for (const jti of ['a', 'b', 'c']) await state.append(s.id, jti, '{}', 100, 3);
    t.same(await state.append(s.id, 'd', '{}', 200, 3), { appended: true, dropped: 1 });
    const first = await state.pending(s.id, 10);
    t.equal(first.length, 4);
    const gap = first[0] as { jti: string; gap: { dropped: number; lastDropMs: number } };
    t.same(gap.gap, { dropped: 1, lastDropMs: 200 }, 'the gap first: how many, and when');
    t.same(first.slice(1).map((p) => p.jti), ['b', 'c', 'd'], 'then the events kept, in order');
    t.equal(await state.backlog(s.id), 3, 'the backlog stays bounded');

    t.same(await state.append(s.id, 'e', '{}', 300, 3), { appended: true, dropped: 1 });
    const second = (await state.pending(s.id, 10))[0] as typeof gap;
    t.same(second.gap, { dropped: 2, lastDropMs: 300 }, 'more drops grow the gap');
    t.not(second.jti, gap.jti, 'under a new jti');
    t.equal(await state.ack(s.id, [gap.jti]), 0, 'acknowledging the earlier gap does not hide the later drops');
    t.equal(await state.ack(s.id, [second.jti]), 1);
    t.same((await state.pending(s.id, 10)).map((p) => p.jti), ['c', 'd', 'e'], 'gap acknowledged');
    t.same((await state.pending(s.id, 1)).map((p) => p.jti), ['c']);
  });

  t.test(`${name}: one delivery lease per stream, renewable by its owner, free when released or expired`, async (t) => {
    const { state, advance } = await make();
    const s = stream();
    await state.createStream(s, LIMITS);
    t.ok(await state.acquireLease(s.id, 'one', 150));
    t.notOk(await state.acquireLease(s.id, 'two', 150), 'held by another');
    t.ok(await state.acquireLease(s.id, 'one', 150), 'renewed by its owner');
    await state.releaseLease(s.id, 'two');
    t.notOk(await state.acquireLease(s.id, 'two', 150), 'only the owner releases');
    await state.releaseLease(s.id, 'one');
    t.ok(await state.acquireLease(s.id, 'two', 150), 'free once released');
    await advance(250);
    t.ok(await state.acquireLease(s.id, 'one', 150), 'free once expired');
  });

  t.test(`${name}: verification at most once per interval; activity and the change signal`, async (t) => {
    const { state, advance } = await make();
    const s = stream();
    await state.createStream(s, LIMITS);
    t.ok(await state.claimVerification(s.id, 150));
    t.notOk(await state.claimVerification(s.id, 150));
    await advance(250);
    t.ok(await state.claimVerification(s.id, 150));
    t.equal(await state.lastSeen(s.id), null);
    await state.touchStream(s.id, 4_242);
    t.equal(await state.lastSeen(s.id), 4_242);
    const before = await state.version();
    await state.signal();
    t.not(await state.version(), before);
  });

  t.test(`${name}: recent events are kept in time order, once each, trimmed by age and by count`, async (t) => {
    const { state } = await make();
    t.same(await state.recent(0), { records: [], lost: null }, 'nothing yet');
    await state.remember({ atMs: 2_000, record: 'b' }, 0, 3);
    await state.remember({ atMs: 1_000, record: 'a' }, 0, 3);
    await state.remember({ atMs: 2_000, record: 'b' }, 0, 3);
    t.same(await state.recent(0), { records: [{ atMs: 1_000, record: 'a' }, { atMs: 2_000, record: 'b' }], lost: null }, 'oldest first, a repeat kept once');
    t.same((await state.recent(1_500)).records.map((e) => e.record), ['b'], 'only since the time asked');

    await state.remember({ atMs: 5_000, record: 'c' }, 1_500, 3);
    t.same((await state.recent(0)).records.map((e) => e.record), ['b', 'c'], 'older than the window: forgotten, not lost');
    t.equal((await state.recent(0)).lost, null);

    await state.remember({ atMs: 6_000, record: 'd' }, 1_500, 3);
    await state.remember({ atMs: 7_000, record: 'e' }, 1_500, 3);
    const full = await state.recent(0);
    t.same(full.records.map((e) => e.record), ['c', 'd', 'e'], 'past the bound the oldest go');
    t.same(full.lost, { untilMs: 2_000, count: 1 }, 'and are counted as lost, with the newest lost instant');
    await state.remember({ atMs: 8_000, record: 'f' }, 1_500, 3);
    t.same((await state.recent(0)).lost, { untilMs: 5_000, count: 2 });
  });
}
