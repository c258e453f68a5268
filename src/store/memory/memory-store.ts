/**
 * The embedded store: one process, everything in bounded maps expiring by the injected clock.
 * Security state is never evicted: when the replay ledger, the revocations or the agent
 * controls are full of live entries, the write fails closed (StoreUnavailableError); one
 * agent filling its share of the replay ledger is refused on its own.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { StoreUnavailableError } from '../../errors.js';
import { emptyControl, mergeControl } from '../control-merge.js';
import type { AgentControl, ControlRecord, KeyRingRecord, Lease, MintCheckInput, MintCheckResult, PersonRef, Store, StoreEvent, TokenCheck } from '../types.js';
import { ExpiringMap } from './expiring-map.js';
import { ActivityLog, AuditLog, ShadowLog } from './records.js';
import { ReplayLedger } from './replay-ledger.js';
import { WindowCounters } from './window-counters.js';

export interface MemoryStoreOptions {
  clock: Clock;
  /** Cap of every map (default 100 000). */
  maxEntries?: number;
  /** The most single-use records one agent may hold at once (default a tenth of maxEntries). */
  replaySharePerAgent?: number;
  /** Period of the expiry sweep (default 60 s); the timer is unref'd. */
  sweepIntervalMs?: number;
}

const personKey = (person: PersonRef) => `${person.issuer}\n${person.subject}`;

export function createMemoryStore(options: MemoryStoreOptions): Store {
  const { clock } = options;
  const max = options.maxEntries ?? 100_000;
  const replay = new ReplayLedger(clock, max, options.replaySharePerAgent ?? Math.max(1, Math.floor(max / 10)));
  const revoked = new ExpiringMap<true>(clock, max);
  const leases = new ExpiringMap<string>(clock, max);
  const windows = new WindowCounters(clock, max);
  const controls = new Map<string, ControlRecord>();
  const persons = new Map<string, number>();
  const shadows = new ShadowLog();
  const audit = new AuditLog();
  const activity = new ActivityLog(max);
  const listeners = new Set<(e: StoreEvent) => void>();
  const epochMs = clock();
  let keyRing: KeyRingRecord | null = null;

  const sweep = setInterval(() => { replay.sweep(); revoked.sweep(); leases.sweep(); windows.sweep(); }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();

  const full = (what: string) => new StoreUnavailableError(`memory store: ${what} map is full`);
  const emit = (event: StoreEvent) => {
    for (const l of listeners) {
      try { l(event); } catch { /* a listener's failure is its own */ }
    }
  };
  const record = (agentId: string): ControlRecord => controls.get(agentId) ?? emptyControl(agentId);
  const control = (agentId: string): AgentControl => {
    const c = controls.get(agentId);
    return { suspended: c?.suspended ? { ...c.suspended } : null, revokedBeforeMs: c?.revokedBeforeMs ?? null };
  };
  const setControl = (next: ControlRecord) => {
    if (!controls.has(next.agentId) && controls.size >= max) throw full('agent');
    controls.set(next.agentId, next);
    emit({ type: 'agent', agentId: next.agentId });
  };
  /** A suspension or resumption: the next version in this store's epoch. */
  const nextVersion = (c: ControlRecord) => ({ epochMs, seq: (c.version?.epochMs === epochMs ? c.version.seq : 0) + 1 });
  const claim = (key: string, ttlMs: number, owner: string | undefined): boolean => {
    const result = replay.claim(key, ttlMs, owner);
    if (result === 'full') throw full('replay');
    if (result === 'share_exhausted') throw new StoreUnavailableError('memory store: the agent holds its whole share of the replay map');
    return result === 'claimed';
  };

  /** The same rules as the Redis script (scripts.ts, stsCheckMint), in one synchronous step. */
  function checkMint(input: MintCheckInput): MintCheckResult {
    const base: Omit<MintCheckResult, 'claimed'> = { control: control(input.agentId), epochMs };
    if (input.person) base.personRevokedBeforeMs = persons.get(personKey(input.person)) ?? null;
    if (input.presented) base.presented = { revoked: revoked.has(input.presented.jti), controls: input.presented.agents.map(control) };
    const address = input.address ? windows.add(`addr:${input.address.key}`, 1, input.address.windowMs) : undefined;
    const withAddress = address ? { ...base, address } : base;
    if (input.address && address && address.count > input.address.max) return { claimed: true, limited: 'address', ...withAddress };
    const claims = input.replay ?? [];
    // All or none: a request with one replayed attestation claims nothing.
    const replayedIndex = claims.findIndex((c) => replay.seen(c.key));
    if (replayedIndex >= 0) return { claimed: false, replayedIndex, ...withAddress };
    const agent = input.agentLimit ? windows.add(`agent:${input.agentId}`, 1, input.agentLimit.windowMs) : undefined;
    const counted = agent ? { ...withAddress, agent } : withAddress;
    if (input.agentLimit && agent && agent.count > input.agentLimit.max) return { claimed: true, limited: 'agent', ...counted };
    for (const c of claims) {
      const result = replay.claim(c.key, c.ttlMs, input.agentId);
      if (result === 'full') throw full('replay');
      if (result === 'share_exhausted') return { claimed: true, replayShareExhausted: true, ...counted };
    }
    return { claimed: true, ...counted };
  }

  return {
    kind: 'memory',
    async checkMint(input) { return checkMint(input); },
    async claimOnce(key, ttlMs, owner) { return claim(key, ttlMs, owner); },
    async countAddresses(hits, windowMs) {
      const counts = new Map<string, { count: number; resetInMs: number }>();
      for (const [key, n] of hits) counts.set(key, windows.add(`addr:${key}`, n, windowMs));
      return counts;
    },
    async getAgentControl(agentId) { return control(agentId); },
    async suspendAgent(agentId, suspension) {
      const c = record(agentId);
      setControl({ ...c, suspended: { ...suspension }, version: nextVersion(c) });
    },
    async resumeAgent(agentId) {
      const c = controls.get(agentId);
      if (c) setControl({ ...c, suspended: null, version: nextVersion(c) });
      else emit({ type: 'agent', agentId });
    },
    async revokeAgentTokens(agentId, beforeMs) {
      const c = record(agentId);
      setControl({ ...c, revokedBeforeMs: Math.max(c.revokedBeforeMs ?? -Infinity, beforeMs) });
    },
    async listControls() {
      return [...controls.values()].map((c) => ({ ...c, suspended: c.suspended ? { ...c.suspended } : null }));
    },
    async restoreControls(records) {
      for (const r of records) {
        const merged = mergeControl(record(r.agentId), r);
        setControl(merged);
      }
    },
    async revokeToken(jti, expiresAtMs) {
      if (expiresAtMs > clock() && !revoked.set(jti, true, expiresAtMs, false)) throw full('revocation');
      emit({ type: 'token-revoked', jti });
    },
    async isTokenRevoked(jti) { return revoked.has(jti); },
    async checkToken(jti, agentId, parties) {
      const check: TokenCheck = { revoked: revoked.has(jti), control: control(agentId), epochMs };
      if (parties) {
        check.parties = {
          controls: parties.agents.map(control),
          personRevokedBeforeMs: parties.person ? persons.get(personKey(parties.person)) ?? null : null,
        };
      }
      return check;
    },
    async revokePersonTokens(person, beforeMs) {
      const key = personKey(person);
      if (!persons.has(key) && persons.size >= max) throw full('person');
      persons.set(key, Math.max(persons.get(key) ?? -Infinity, beforeMs));
      emit({ type: 'person-revoked', issuer: person.issuer, subject: person.subject });
    },
    async epoch() { return epochMs; },
    async getKeyRing() { return keyRing ? { ...keyRing } : null; },
    async putKeyRing(blob, expectedVersion) {
      if ((keyRing?.version ?? 0) !== expectedVersion) return false;
      keyRing = { version: expectedVersion + 1, blob };
      emit({ type: 'keyring', version: keyRing.version });
      return true;
    },
    async acquireLease(name, ttlMs) {
      if (leases.has(name)) return null;
      const token = randomBytes(16).toString('hex');
      if (!leases.set(name, token, clock() + ttlMs, false)) throw full('lease');
      return { name, token };
    },
    async renewLease(lease: Lease, ttlMs) {
      if (leases.get(lease.name) !== lease.token) return false;
      leases.set(lease.name, lease.token, clock() + ttlMs, false);
      return true;
    },
    async releaseLease(lease) {
      if (leases.get(lease.name) === lease.token) leases.delete(lease.name);
    },
    async recordShadow(sighting) { shadows.record(sighting); },
    async listShadows() { return shadows.list(); },
    async appendAudit(r) { audit.append(r); },
    async readAudit(query) { return audit.read(query); },
    async recordActivity(event) { activity.record(event); },
    async getActivity(agentId, nowMs) { return activity.get(agentId, nowMs); },
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    async ping() {},
    health: () => ({ replayCapacity: !replay.full }),
    async close() {
      clearInterval(sweep);
      listeners.clear();
    },
  };
}
