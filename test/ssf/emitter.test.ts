/**
 * The emitter promises at-least-once delivery: an event it cannot append (the state down
 * through every retry, or its queue full) is not dropped silently but owed to every stream as
 * the broker's gap event (events-dropped), so the receiver refuses every token issued up to the
 * lost event. It goes out on its own once the state answers, ahead of any later event, and a
 * stream created afterwards finds it in its catch-up.
 */
import { Registry } from 'prom-client';
import t from 'tap';
import { createSecurityEventMetrics } from '../../src/metrics/index.js';
import { everyReceiver } from '../../src/ssf/audience-scope.js';
import { catchUp } from '../../src/ssf/catch-up.js';
import { createEmitter } from '../../src/ssf/emitter.js';
import type { EventRecord } from '../../src/ssf/event-record.js';
import { createMemorySsfState, type SsfState, type StreamRecord } from '../../src/ssf/index.js';
import { DEFAULT_SSF_SETTINGS } from '../../src/ssf/settings.js';

const ISSUER = 'https://sts.example.internal';
const GAP = `${ISSUER}/secevent/event-type/events-dropped`;
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const AT = Date.UTC(2026, 0, 1);

const streamRecord = (id: string): StreamRecord => ({
  id, receiver: 'tickets-api', createdAtMs: AT, delivery: { method: 'urn:ietf:rfc:8936' }, status: 'enabled', excludedSubjects: [],
});

/** A memory state that can be taken down, and that tells when an append was signalled. */
function flakyState() {
  const inner = createMemorySsfState(() => AT);
  let down = false;
  let signalled: () => void = () => {};
  const guard = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    if (down) throw new Error('connection lost');
    return call(...args);
  };
  const state: SsfState = {
    ...inner,
    remember: guard(inner.remember),
    listStreams: guard(inner.listStreams),
    append: guard(inner.append),
    signal: guard(async () => { await inner.signal(); signalled(); }),
  };
  return {
    state,
    setDown: (value: boolean) => { down = value; },
    nextSignal: () => new Promise<void>((resolve) => { signalled = resolve; }),
  };
}

function setup(options: { maxQueued?: number } = {}) {
  const flaky = flakyState();
  const registry = new Registry();
  const metrics = createSecurityEventMetrics({ registry, backlogs: async () => [] });
  const emitter = createEmitter({
    issuer: ISSUER, state: flaky.state, settings: DEFAULT_SSF_SETTINGS, metrics,
    logger: { warn: () => {}, error: () => {} } as never,
    wakeups: { notify: () => {}, wait: async () => {}, close: () => {} },
    scope: everyReceiver,
    appendRetry: { attempts: 2, delayMs: 1 },
    ...options,
  });
  const pending = async (id: string) => (await flaky.state.pending(id, 100)).map((p) => ('record' in p ? JSON.parse(p.record) as EventRecord : null));
  return { ...flaky, emitter, registry, pending };
}

t.test('an event given up on while the state is down becomes a gap event once it answers', async (t) => {
  const { state, setDown, nextSignal, emitter, registry, pending } = setup();
  t.teardown(() => emitter.close());
  await state.createStream(streamRecord('a'.repeat(32)), { perReceiver: 10, total: 10 });
  setDown(true);
  emitter.emit({ kind: 'agent_suspended', agentId: 'ticket-summarizer', atMs: AT + 7_000, initiator: 'admin' });
  await emitter.flush();
  t.same(await pending('a'.repeat(32)), [], 'nothing appended while down');
  const appended = nextSignal();
  setDown(false);
  // The retry timer does not hold the process open (a broker's server does): this wait does.
  const keepAlive = setInterval(() => {}, 60_000);
  await appended;
  clearInterval(keepAlive);
  const [gap, ...rest] = await pending('a'.repeat(32));
  t.same(rest, []);
  t.equal(gap?.type, GAP, 'the receiver learns that events were lost');
  t.same(gap?.subId, { format: 'opaque', id: 'a'.repeat(32) }, 'about the stream');
  t.same(gap?.event, { event_timestamp: Math.floor((AT + 7_000) / 1000), dropped: 1 }, 'refuse every token issued until the lost event');
  t.match(await registry.getSingleMetricAsString('sts_security_events_dropped_total'), /sts_security_events_dropped_total 1/);

  const later = await catchUp(streamRecord('b'.repeat(32)), AT + 10_000, { issuer: ISSUER, state, maxBacklog: 100, scope: everyReceiver });
  t.equal(later, 1, 'a stream created later catches up the gap too');
  t.match(await pending('b'.repeat(32)), [{ type: GAP, subId: { format: 'opaque', id: 'b'.repeat(32) }, event: { dropped: 1 } }]);
});

t.test('the gap goes out ahead of the next event', async (t) => {
  const { state, setDown, emitter, pending } = setup();
  t.teardown(() => emitter.close());
  await state.createStream(streamRecord('c'.repeat(32)), { perReceiver: 10, total: 10 });
  setDown(true);
  emitter.emit({ kind: 'token_revoked', jti: 'j-1', atMs: AT + 1_000, initiator: 'user' });
  await emitter.flush();
  setDown(false);
  emitter.emit({ kind: 'token_revoked', jti: 'j-2', atMs: AT + 2_000, initiator: 'user' });
  await emitter.flush();
  const events = await pending('c'.repeat(32));
  t.same(events.map((e) => e?.type), [GAP, SESSION_REVOKED]);
  t.match(events[1]?.subId, { jti: 'j-2' });
});

t.test('an event dropped from a full queue is owed as a gap', async (t) => {
  const { state, emitter, pending } = setup({ maxQueued: 1 });
  t.teardown(() => emitter.close());
  await state.createStream(streamRecord('d'.repeat(32)), { perReceiver: 10, total: 10 });
  emitter.emit({ kind: 'agent_suspended', agentId: 'first', atMs: AT + 1_000, initiator: 'admin' });
  emitter.emit({ kind: 'agent_suspended', agentId: 'second', atMs: AT + 3_000, initiator: 'admin' });
  await emitter.flush();
  const events = await pending('d'.repeat(32));
  t.same(events.map((e) => e?.type).sort(), [GAP, SESSION_REVOKED].sort());
  t.match(events.find((e) => e?.type === GAP)?.event, { event_timestamp: Math.floor((AT + 3_000) / 1000), dropped: 1 });
  t.notOk(events.some((e) => e?.type === SESSION_REVOKED && (e.subId as { id: string }).id === 'second'), 'the dropped event itself is not there');
});
