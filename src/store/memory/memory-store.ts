/**
 * The embedded store: one process, everything in bounded maps expiring by the injected clock.
 * Security state is never evicted: when the replay, revocation or agent map is full of live
 * entries, the write fails closed with StoreUnavailableError.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { StoreUnavailableError } from '../../errors.js';
import type { AgentControl, KeyRingRecord, Lease, Store, StoreEvent } from '../types.js';
import { ExpiringMap } from './expiring-map.js';
import { ActivityLog, AuditLog, ShadowLog } from './records.js';

export interface MemoryStoreOptions {
  clock: Clock;
  /** Cap of every map (default 100 000). */
  maxEntries?: number;
  /** Period of the expiry sweep (default 60 s); the timer is unref'd. */
  sweepIntervalMs?: number;
}

const NONE: AgentControl = { suspended: null, revokedBeforeMs: null };

export function createMemoryStore(options: MemoryStoreOptions): Store {
  const { clock } = options;
  const max = options.maxEntries ?? 100_000;
  const replay = new ExpiringMap<true>(clock, max);
  const revoked = new ExpiringMap<true>(clock, max);
  const leases = new ExpiringMap<string>(clock, max);
  const agents = new Map<string, AgentControl>();
  const shadows = new ShadowLog();
  const audit = new AuditLog();
  const activity = new ActivityLog(max);
  const listeners = new Set<(e: StoreEvent) => void>();
  const epochMs = clock();
  let keyRing: KeyRingRecord | null = null;

  const sweep = setInterval(() => { replay.sweep(); revoked.sweep(); leases.sweep(); }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();

  const full = (what: string) => new StoreUnavailableError(`memory store: ${what} map is full`);
  const emit = (event: StoreEvent) => {
    for (const l of listeners) {
      try { l(event); } catch { /* a listener's failure is its own */ }
    }
  };
  const control = (agentId: string): AgentControl => {
    const c = agents.get(agentId) ?? NONE;
    return { suspended: c.suspended ? { ...c.suspended } : null, revokedBeforeMs: c.revokedBeforeMs };
  };
  const setControl = (agentId: string, c: AgentControl) => {
    if (!agents.has(agentId) && agents.size >= max) throw full('agent');
    agents.set(agentId, c);
  };
  const claim = (key: string, ttlMs: number): boolean => {
    if (replay.has(key)) return false;
    if (!replay.set(key, true, clock() + Math.max(1, ttlMs), false)) throw full('replay');
    return true;
  };

  return {
    kind: 'memory',
    async checkMint(input) {
      const claimed = input.replay ? claim(input.replay.key, input.replay.ttlMs) : true;
      return { claimed, control: control(input.agentId), epochMs };
    },
    async claimOnce(key, ttlMs) { return claim(key, ttlMs); },
    async getAgentControl(agentId) { return control(agentId); },
    async suspendAgent(agentId, suspension) {
      setControl(agentId, { ...control(agentId), suspended: { ...suspension } });
      emit({ type: 'agent', agentId });
    },
    async resumeAgent(agentId) {
      if (agents.has(agentId)) setControl(agentId, { ...control(agentId), suspended: null });
      emit({ type: 'agent', agentId });
    },
    async revokeAgentTokens(agentId, beforeMs) {
      const c = control(agentId);
      setControl(agentId, { ...c, revokedBeforeMs: Math.max(c.revokedBeforeMs ?? -Infinity, beforeMs) });
      emit({ type: 'agent', agentId });
    },
    async revokeToken(jti, expiresAtMs) {
      if (expiresAtMs > clock() && !revoked.set(jti, true, expiresAtMs, false)) throw full('revocation');
      emit({ type: 'token-revoked', jti });
    },
    async isTokenRevoked(jti) { return revoked.has(jti); },
    async checkToken(jti, agentId) {
      return { revoked: revoked.has(jti), control: control(agentId), epochMs };
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
    async appendAudit(record) { audit.append(record); },
    async readAudit(query) { return audit.read(query); },
    async recordActivity(event) { activity.record(event); },
    async getActivity(agentId, nowMs) { return activity.get(agentId, nowMs); },
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
    async ping() {},
    async close() {
      clearInterval(sweep);
      listeners.clear();
    },
  };
}
