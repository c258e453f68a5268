/**
 * The state file (STS_STATE_FILE): the agents' control records as JSON, so suspensions survive
 * a restart of every broker instance together with the store (the embedded store keeps nothing
 * across a restart otherwise). Written atomically (a temporary file renamed over the old one)
 * and durably (the file and then its directory fsynced, so the rename survives a power loss
 * too), readable by the broker's user only; read strictly, with bounded size, at start.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ControlRecord, Suspension } from './types.js';

const FORMAT = 'agent-sts-controls/1';
const MAX_STATE_FILE_BYTES = 16 * 1024 * 1024;
const UNSYNCABLE_DIRECTORY = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM']);

export async function writeStateFile(path: string, records: readonly ControlRecord[]): Promise<void> {
  // Unique per write: instances sharing a volume are all pid 1 in their containers, and two
  // writers of one temporary file would rename each other's half-written copy into place.
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify({ format: FORMAT, agents: records })}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // A failed write (a full disk) must not leave its temporary file behind: names never repeat.
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** The rename is only durable once the directory entry is on disk. */
async function syncDirectory(path: string): Promise<void> {
  let directory: FileHandle | undefined;
  try {
    directory = await open(path, 'r');
    await directory.sync();
  } catch (error) {
    // Some file systems (and Windows) cannot fsync a directory: the rename is as durable as they make it.
    if (!UNSYNCABLE_DIRECTORY.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await directory?.close();
  }
}

/** The records in the file; none when it does not exist yet. A malformed file is an error (never silently ignored). */
export async function readStateFile(path: string): Promise<ControlRecord[]> {
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size > MAX_STATE_FILE_BYTES) throw new Error(`the state file ${path} is larger than ${MAX_STATE_FILE_BYTES} bytes`);
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const doc = JSON.parse(text) as { format?: unknown; agents?: unknown };
  if (doc.format !== FORMAT || !Array.isArray(doc.agents)) throw new Error(`the state file ${path} is not a ${FORMAT} document`);
  return doc.agents.map((entry, i) => {
    const record = parseRecord(entry);
    if (!record) throw new Error(`the state file ${path} has a malformed record at index ${i}`);
    return record;
  });
}

function parseRecord(value: unknown): ControlRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (typeof r.agentId !== 'string' || r.agentId.length === 0 || r.agentId.length > 256) return null;
  const suspended = r.suspended === null ? null : parseSuspension(r.suspended);
  if (suspended === undefined) return null;
  const revokedBeforeMs = r.revokedBeforeMs === null ? null : finite(r.revokedBeforeMs);
  if (revokedBeforeMs === undefined) return null;
  const v = r.version as Record<string, unknown> | null;
  const version = v === null ? null : typeof v === 'object' && finite(v.epochMs) !== undefined && finite(v.seq) !== undefined
    ? { epochMs: v.epochMs as number, seq: v.seq as number } : undefined;
  if (version === undefined) return null;
  return { agentId: r.agentId, suspended, revokedBeforeMs, version };
}

function parseSuspension(value: unknown): Suspension | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Record<string, unknown>;
  if (finite(s.atMs) === undefined || typeof s.by !== 'string' || typeof s.reason !== 'string') return undefined;
  return { atMs: s.atMs as number, by: s.by.slice(0, 256), reason: s.reason.slice(0, 1000) };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
