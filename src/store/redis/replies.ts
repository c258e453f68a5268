/** Turning raw Redis replies into store types (pure; a malformed reply fails closed). */
import type { AgentControl, AuditRecord, ControlRecord, Suspension, WindowCount } from '../types.js';

export class BadReplyError extends Error {}

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number') return String(v);
  throw new BadReplyError('unexpected reply type');
}

export function num(v: unknown): number | null {
  const s = str(v);
  if (s === null) return null;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new BadReplyError('not a number');
  return n;
}

function parseSuspension(v: unknown): Suspension | null {
  const s = str(v);
  if (s === null) return null;
  const o = JSON.parse(s) as Partial<Suspension>;
  if (typeof o.atMs !== 'number' || typeof o.by !== 'string' || typeof o.reason !== 'string') {
    throw new BadReplyError('bad suspension record');
  }
  return { atMs: o.atMs, by: o.by, reason: o.reason };
}

export function parseControl(susp: unknown, rb: unknown): AgentControl {
  return { suspended: parseSuspension(susp), revokedBeforeMs: num(rb) };
}

export function asArray(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new BadReplyError('expected an array reply');
  return v;
}

/** One XRANGE entry: [id, ['r', json]]. */
export function parseAuditEntry(entry: unknown): AuditRecord {
  const [id, fields] = asArray(entry);
  const f = asArray(fields);
  const json = str(f[1]);
  if (json === null) throw new BadReplyError('empty audit entry');
  const r = JSON.parse(json) as Omit<AuditRecord, 'id'>;
  return { id: str(id) ?? '', atMs: r.atMs, event: r.event, ...(r.agent !== undefined ? { agent: r.agent } : {}), data: r.data ?? {} };
}

/** One agent's fields from stsReadControls: id, susp, rb, version epoch, version seq. */
export function parseControlRecord(fields: readonly unknown[]): ControlRecord | null {
  const agentId = str(fields[0]);
  if (agentId === null) return null;
  const epochMs = num(fields[3]);
  const seq = num(fields[4]);
  return {
    agentId,
    ...parseControl(fields[1], fields[2]),
    version: epochMs === null || seq === null ? null : { epochMs, seq },
  };
}

/** A window counter's reply pair (count, ms left); -1 means it was not counted. */
export function parseWindow(count: unknown, ttl: unknown): WindowCount | undefined {
  const c = num(count);
  if (c === null || c < 0) return undefined;
  return { count: c, resetInMs: Math.max(0, num(ttl) ?? 0) };
}

/** `count` (susp, rb) pairs of a flat reply, from `offset`. */
export function parseControls(reply: readonly unknown[], offset: number, count: number): AgentControl[] {
  const out: AgentControl[] = [];
  for (let i = 0; i < count; i++) out.push(parseControl(reply[offset + 2 * i], reply[offset + 2 * i + 1]));
  return out;
}
