/**
 * The one conformance suite every Store implementation passes. Stores made with the same
 * namespace share state (two broker instances); each subtest uses a fresh namespace.
 * `advance` moves time past a TTL: the manual clock for memory, a short real sleep for Redis.
 */
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import type { Clock } from '../../src/clock.js';
import type { Store, StoreEvent } from '../../src/store/index.js';

type T = Test;
export interface ContractOptions {
  clock: Clock;
  advance(ms: number): Promise<void>;
  /** A TTL short enough to wait out with `advance`. */
  ttlMs: number;
}

export function runStoreContract(t: T, name: string, makeStore: (ns: string) => Promise<Store>, o: ContractOptions): void {
  const opened: Store[] = [];
  t.teardown(async () => { await Promise.all(opened.map((s) => s.close())); });
  const fresh = async (ns = randomBytes(6).toString('hex')) => {
    const s = await makeStore(ns);
    opened.push(s);
    return { s, ns };
  };
  const id = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

  t.test(`${name}: claimOnce claims a key once, concurrently exactly once, again after expiry`, async (t) => {
    const { s, ns } = await fresh();
    const peer = (await fresh(ns)).s;
    const key = id('jti');
    t.equal(await s.claimOnce(key, 60_000), true);
    t.equal(await peer.claimOnce(key, 60_000), false, 'refused on another instance too');
    t.equal(await s.claimOnce(key, 60_000), false);
    t.equal(await s.claimOnce(id('other'), 60_000), true);
    const racing = id('race');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? s : peer).claimOnce(racing, 60_000)));
    t.equal(results.filter(Boolean).length, 1, 'exactly one of 50 concurrent claims on two instances wins');
    const short = id('short');
    t.equal(await s.claimOnce(short, o.ttlMs), true);
    await o.advance(o.ttlMs * 2);
    t.equal(await s.claimOnce(short, o.ttlMs), true, 'claimable again once expired');
  });

  t.test(`${name}: suspension, resume and revoke-before per agent`, async (t) => {
    const { s } = await fresh();
    const a = id('agent');
    t.same(await s.getAgentControl(a), { suspended: null, revokedBeforeMs: null });
    const susp = { atMs: 1000, by: 'alice', reason: 'anomaly' };
    await s.suspendAgent(a, susp);
    t.same((await s.getAgentControl(a)).suspended, susp);
    t.same(await s.getAgentControl(id('other')), { suspended: null, revokedBeforeMs: null }, 'others untouched');
    await s.resumeAgent(a);
    t.equal((await s.getAgentControl(a)).suspended, null);
    await s.revokeAgentTokens(a, 5000);
    t.equal((await s.getAgentControl(a)).revokedBeforeMs, 5000);
    await s.revokeAgentTokens(a, 3000);
    t.equal((await s.getAgentControl(a)).revokedBeforeMs, 5000, 'revoke-before never moves back');
    await s.revokeAgentTokens(a, 9000);
    t.equal((await s.getAgentControl(a)).revokedBeforeMs, 9000);
    await s.resumeAgent(a);
    t.equal((await s.getAgentControl(a)).revokedBeforeMs, 9000, 'resume keeps the revocation');
  });

  t.test(`${name}: a revoked token stays revoked until it expires`, async (t) => {
    const { s } = await fresh();
    const jti = id('jti');
    t.equal(await s.isTokenRevoked(jti), false);
    await s.revokeToken(jti, o.clock() + o.ttlMs);
    t.equal(await s.isTokenRevoked(jti), true);
    t.equal(await s.isTokenRevoked(id('jti')), false);
    await s.revokeToken(id('dead'), o.clock() - 1000);
    await o.advance(o.ttlMs * 2);
    t.equal(await s.isTokenRevoked(jti), false, 'forgotten once the token itself is dead');
  });

  t.test(`${name}: checkMint and checkToken answer replay, control and epoch together`, async (t) => {
    const { s } = await fresh();
    const a = id('agent');
    const epoch = await s.epoch();
    t.equal(await s.epoch(), epoch, 'epoch is stable');
    const key = id('replay');
    const first = await s.checkMint({ agentId: a, replay: [{ key, ttlMs: 60_000 }] });
    t.same(first, { claimed: true, control: { suspended: null, revokedBeforeMs: null }, epochMs: epoch });
    const susp = { atMs: 7, by: 'op', reason: 'r' };
    await s.suspendAgent(a, susp);
    await s.revokeAgentTokens(a, 1234);
    const second = await s.checkMint({ agentId: a, replay: [{ key, ttlMs: 60_000 }] });
    t.same(second, { claimed: false, replayedIndex: 0, control: { suspended: susp, revokedBeforeMs: 1234 }, epochMs: epoch });
    t.equal((await s.checkMint({ agentId: a })).claimed, true, 'no replay key: nothing to claim');
    t.equal(await s.claimOnce(key, 60_000), false, 'checkMint and claimOnce share replay keys');
    const racing = id('race');
    const all = await Promise.all(Array.from({ length: 30 }, () => s.checkMint({ agentId: a, replay: [{ key: racing, ttlMs: 60_000 }] })));
    t.equal(all.filter((r) => r.claimed).length, 1, 'exactly one concurrent checkMint claims');
    const jti = id('jti');
    t.same(await s.checkToken(jti, a), { revoked: false, control: { suspended: susp, revokedBeforeMs: 1234 }, epochMs: epoch });
    await s.revokeToken(jti, o.clock() + 60_000);
    t.equal((await s.checkToken(jti, a)).revoked, true);
    t.same((await s.checkToken(jti, id('b'))).control, { suspended: null, revokedBeforeMs: null });
  });

  t.test(`${name}: checkMint counts the budgets in the same call, and a limited request claims nothing`, async (t) => {
    const { s, ns } = await fresh();
    const peer = (await fresh(ns)).s;
    const a = id('agent');
    const address = { key: id('203.0.113.9'), max: 2, windowMs: 60_000 };
    const agentLimit = { max: 3, windowMs: 60_000 };
    const first = await s.checkMint({ agentId: a, replay: [{ key: id('r'), ttlMs: 60_000 }], address, agentLimit });
    t.same([first.claimed, first.limited, first.address?.count, first.agent?.count], [true, undefined, 1, 1]);
    t.ok((first.address?.resetInMs ?? 0) > 0 && (first.address?.resetInMs ?? 0) <= 60_000, 'the window says when it ends');
    const second = await peer.checkMint({ agentId: a, address, agentLimit });
    t.same([second.limited, second.address?.count, second.agent?.count], [undefined, 2, 2], 'shared by instances');
    const key = id('burn');
    const over = await s.checkMint({ agentId: a, replay: [{ key, ttlMs: 60_000 }], address, agentLimit });
    t.equal(over.limited, 'address', 'the third from the address is over its budget');
    t.equal(await s.claimOnce(key, 60_000), true, 'and claimed nothing');
    const replayKey = id('replayed');
    t.equal(await s.claimOnce(replayKey, 60_000), true);
    const otherAddress = { key: id('198.51.100.1'), max: 10, windowMs: 60_000 };
    const replayed = await s.checkMint({ agentId: a, replay: [{ key: replayKey, ttlMs: 60_000 }], address: otherAddress, agentLimit });
    t.equal(replayed.claimed, false);
    t.equal(replayed.agent, undefined, 'a replay does not spend the agent\'s budget');
    const third = await s.checkMint({ agentId: a, address: otherAddress, agentLimit });
    t.same([third.limited, third.agent?.count], [undefined, 3]);
    const agentKey = id('burn');
    const agentOver = await s.checkMint({ agentId: a, replay: [{ key: agentKey, ttlMs: 60_000 }], address: otherAddress, agentLimit });
    t.equal(agentOver.limited, 'agent');
    t.equal(await s.claimOnce(agentKey, 60_000), true, 'a request over the agent\'s budget claimed nothing either');
    const both = [id('x'), id('y')];
    t.equal(await s.claimOnce(both[1]!, 60_000), true);
    const partial = await s.checkMint({ agentId: id('agent'), replay: both.map((k) => ({ key: k, ttlMs: 60_000 })) });
    t.equal(partial.claimed, false, 'one of two replay keys seen before: refused');
    t.equal(partial.replayedIndex, 1, 'and which one');
    t.equal(await s.claimOnce(both[0]!, 60_000), true, 'and the other was not claimed (all or none)');
    const counted = await s.countAddresses(new Map([[otherAddress.key, 5]]), 60_000);
    t.equal(counted.get(otherAddress.key)?.count, 8, 'refused requests add to the same address window');
  });

  t.test(`${name}: control records list, merge on restore, and survive a newer resume`, async (t) => {
    const { s } = await fresh();
    const a = id('agent');
    const b = id('agent');
    await s.suspendAgent(a, { atMs: 1000, by: 'op', reason: 'r' });
    await s.revokeAgentTokens(b, 5000);
    const listed = new Map((await s.listControls()).map((r) => [r.agentId, r]));
    t.same(listed.get(a)?.suspended, { atMs: 1000, by: 'op', reason: 'r' });
    t.ok(listed.get(a)?.version, 'a suspension has a version');
    t.equal(listed.get(b)?.revokedBeforeMs, 5000);
    const copy = listed.get(a)!;
    await s.resumeAgent(a);
    await s.restoreControls([copy]);
    t.equal((await s.getAgentControl(a)).suspended, null, 'an older copy does not undo a newer resumption');
    const c = id('agent');
    await s.restoreControls([{ agentId: c, suspended: { atMs: 7, by: 'op', reason: 'kept' }, revokedBeforeMs: 9000, version: { epochMs: 1, seq: 4 } }]);
    t.same(await s.getAgentControl(c), { suspended: { atMs: 7, by: 'op', reason: 'kept' }, revokedBeforeMs: 9000 }, 'a copy restores what the store lacks');
    await s.restoreControls([{ agentId: c, suspended: null, revokedBeforeMs: 100, version: { epochMs: 1, seq: 3 } }]);
    t.same(await s.getAgentControl(c), { suspended: { atMs: 7, by: 'op', reason: 'kept' }, revokedBeforeMs: 9000 }, 'an older copy changes nothing');
  });

  t.test(`${name}: key ring compare-and-set`, async (t) => {
    const { s } = await fresh();
    t.equal(await s.getKeyRing(), null);
    t.equal(await s.putKeyRing('b1', 1), false, 'absent is version 0');
    t.equal(await s.putKeyRing('b1', 0), true);
    t.same(await s.getKeyRing(), { version: 1, blob: 'b1' });
    t.equal(await s.putKeyRing('stale', 0), false);
    const race = await Promise.all([s.putKeyRing('x', 1), s.putKeyRing('y', 1)]);
    t.equal(race.filter(Boolean).length, 1, 'one of two concurrent writers wins');
    t.equal((await s.getKeyRing())?.version, 2);
  });

  t.test(`${name}: leases are renewed and released only by their holder, and expire`, async (t) => {
    const { s, ns } = await fresh();
    const other = await fresh(ns);
    const lease = await s.acquireLease('rotate', 60_000);
    t.ok(lease);
    if (!lease) return;
    t.equal(await other.s.acquireLease('rotate', 60_000), null, 'held: another instance cannot take it');
    const forged = { name: 'rotate', token: 'not-the-token' };
    t.equal(await other.s.renewLease(forged, 60_000), false);
    await other.s.releaseLease(forged);
    t.equal(await other.s.acquireLease('rotate', 60_000), null, 'a non-holder cannot release');
    t.equal(await s.renewLease(lease, 60_000), true);
    await s.releaseLease(lease);
    const next = await other.s.acquireLease('rotate', o.ttlMs);
    t.ok(next, 'free after release');
    t.equal(await s.renewLease(lease, 60_000), false, 'the old holder lost it');
    await o.advance(o.ttlMs * 2);
    t.ok(await s.acquireLease('rotate', 60_000), 'free after expiry');
    if (next) t.equal(await other.s.renewLease(next, 60_000), false, 'an expired lease cannot be renewed');
  });

  t.test(`${name}: shadow agents are counted and bounded to 1000, least recently seen dropped`, async (t) => {
    const { s } = await fresh();
    for (const at of [100, 300, 200]) await s.recordShadow({ issuer: 'https://i', subject: 'sub-x', claims: { ns: 'a' }, atMs: at });
    let list = await s.listShadows();
    t.equal(list.length, 1);
    t.same(list[0], { issuer: 'https://i', subject: 'sub-x', firstSeenMs: 100, lastSeenMs: 300, attempts: 3, claims: { ns: 'a' } });
    await Promise.all(Array.from({ length: 1004 }, (_, i) =>
      s.recordShadow({ issuer: 'https://i', subject: `s${i}`, claims: {}, atMs: 1000 + i })));
    list = await s.listShadows();
    t.equal(list.length, 1000);
    t.notOk(list.some((x) => x.subject === 'sub-x'), 'the least recently seen was dropped');
    t.equal(list[0]?.subject, 's1003', 'most recently seen first');
  });

  t.test(`${name}: audit is read newest first, filtered by agent and time, limited`, async (t) => {
    const { s } = await fresh();
    const a = id('a');
    const b = id('b');
    for (let i = 0; i < 6; i++) {
      await s.appendAudit({ atMs: 1000 + i, event: 'token.issued', agent: i % 2 ? a : b, data: { i } });
    }
    await s.appendAudit({ atMs: 2000, event: 'policy.reloaded', data: {} });
    const all = await s.readAudit({ limit: 100 });
    t.equal(all.length, 7);
    t.same(all.map((r) => r.atMs), [2000, 1005, 1004, 1003, 1002, 1001, 1000]);
    t.equal(new Set(all.map((r) => r.id)).size, 7, 'ids are unique');
    t.same(all[1], { id: all[1]!.id, atMs: 1005, event: 'token.issued', agent: a, data: { i: 5 } });
    t.same((await s.readAudit({ agent: a, limit: 100 })).map((r) => r.atMs), [1005, 1003, 1001]);
    t.same((await s.readAudit({ agent: b, sinceMs: 1002, limit: 100 })).map((r) => r.atMs), [1004, 1002]);
    t.same((await s.readAudit({ limit: 2 })).map((r) => r.atMs), [2000, 1005]);
    t.equal((await s.readAudit({ limit: 100_000 })).length, 7, 'limit is bounded, not trusted');
  });

  t.test(`${name}: activity counts the last 24 h and keeps 20 recent denials`, async (t) => {
    const { s } = await fresh();
    const a = id('a');
    const now = o.clock();
    t.same(await s.getActivity(a, now), { lastSeenMs: null, issued24h: 0, denied24h: 0, people24h: 0, recentDenials: [] });
    await s.recordActivity({ agentId: a, atMs: now - 26 * 3_600_000, outcome: 'issued' });
    for (let i = 0; i < 3; i++) await s.recordActivity({ agentId: a, atMs: now - i * 1000, outcome: 'issued' });
    for (let i = 0; i < 22; i++) {
      await s.recordActivity({ agentId: a, atMs: now - 10_000 + i, outcome: 'denied', reason: `r${i}` });
    }
    const act = await s.getActivity(a, now);
    t.equal(act.lastSeenMs, now);
    t.equal(act.issued24h, 3, 'older than 24 h not counted');
    t.equal(act.denied24h, 22);
    t.equal(act.recentDenials.length, 20);
    t.same(act.recentDenials[0], { atMs: now - 10_000 + 21, reason: 'r21' }, 'most recent first');
    t.equal((await s.getActivity(a, now + 25 * 3_600_000)).issued24h, 0, 'the window moves');
    t.equal((await s.getActivity(id('none'), now)).lastSeenMs, null);
  });

  t.test(`${name}: activity counts the distinct people an agent acted for in the last 24 h`, async (t) => {
    const { s } = await fresh();
    const a = id('a');
    const now = o.clock();
    for (const person of ['p1', 'p2', 'p1', 'p3', 'p2']) await s.recordActivity({ agentId: a, atMs: now, outcome: 'issued', person });
    await s.recordActivity({ agentId: a, atMs: now - 2 * 3_600_000, outcome: 'issued', person: 'p4' });
    await s.recordActivity({ agentId: a, atMs: now - 26 * 3_600_000, outcome: 'issued', person: 'p5' });
    await s.recordActivity({ agentId: a, atMs: now, outcome: 'issued' });
    t.equal((await s.getActivity(a, now)).people24h, 4, 'p1..p4: repeats once, older than 24 h not at all');
  });

  t.test(`${name}: events reach subscribers of every instance`, async (t) => {
    const { s, ns } = await fresh();
    const peer = (await fresh(ns)).s;
    const seen: StoreEvent[] = [];
    const local: StoreEvent[] = [];
    const off = peer.subscribe((e) => seen.push(e));
    s.subscribe((e) => local.push(e));
    const a = id('agent');
    await s.suspendAgent(a, { atMs: 1, by: 'x', reason: 'y' });
    await s.resumeAgent(a);
    await s.revokeAgentTokens(a, 10);
    await s.revokeToken('j1', o.clock() + 60_000);
    await s.putKeyRing('blob', 0);
    const want: StoreEvent[] = [
      { type: 'agent', agentId: a }, { type: 'agent', agentId: a }, { type: 'agent', agentId: a },
      { type: 'token-revoked', jti: 'j1' }, { type: 'keyring', version: 1 },
    ];
    const end = Date.now() + 1000;
    while (seen.length < want.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    // Events are hints with no ordering promise (Cluster PUBLISH may take different nodes).
    const sorted = (xs: StoreEvent[]) => xs.map((x) => JSON.stringify(x)).sort();
    t.same(sorted(seen), sorted(want), 'the other instance sees every change within 1 s');
    t.same(local, want, 'the writing instance sees its own changes once, in order');
    off();
    // A listener still subscribed on the same instance gets the next event; the one removed must not.
    const next = new Promise<void>((resolve) => { peer.subscribe(() => resolve()); });
    await s.suspendAgent(a, { atMs: 1, by: 'x', reason: 'y' });
    await next;
    t.equal(seen.length, want.length, 'unsubscribed');
  });
}
