/**
 * SsfState in Redis, through the store's own client: every broker instance sees the same
 * streams and backlogs. Keys live under their own prefix (default `sts:ssf:`); backlog keys
 * expire a week after the last event appended (a stream deleted while an event was being
 * appended to it leaves nothing behind for long). A Redis failure rejects with
 * StoreUnavailableError, so management calls answer 503 and deliveries retry.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { openText, sealText } from '../store/sealed-text.js';
import { ssfScripts } from './redis-scripts.js';
import type { PendingEvent, RecentEvent, SsfState, StreamRecord } from './state.js';
import { PUSH_METHOD } from './vocabulary.js';

const BACKLOG_TTL_MS = 7 * 86_400_000;

/** A stored push stream: the receiver's authorization header sealed, never as written. */
type StoredStream = StreamRecord & { sealedAuthorization?: string };

/**
 * The associated data binds a sealed header to its stream and its URL: copied to another
 * stream, or left behind when the URL is changed in Redis directly, it does not open, so the
 * credential never goes to an endpoint its receiver did not give with it.
 */
const authorizationPurpose = (stream: StreamRecord, endpointUrl: string) => `agent-sts:ssf-push-authorization:v1\n${stream.id}\n${endpointUrl}`;

/**
 * `kek` (STS_KEY_ENCRYPTION_KEY) seals each push stream's authorization header: a copy of the
 * Redis data (a dump, a backup, a replica) does not hand out receivers' credentials.
 */
export function createRedisSsfState(client: Redis | Cluster, options: { prefix?: string; kek?: Buffer } = {}): SsfState & { sealStoredHeaders(): Promise<number> } {
  const prefix = options.prefix ?? 'sts:ssf:';
  const { kek } = options;
  const run = ssfScripts(client);
  const registry = `${prefix}{streams}:cfg`;
  const seen = `${prefix}{streams}:seen`;
  const versionKey = `${prefix}{streams}:version`;
  const recentKey = `${prefix}{streams}:recent`;
  const lostKey = `${prefix}{streams}:recent-lost`;
  const receiverSet = (receiver: string) => `${prefix}{streams}:rcv:${createHash('sha256').update(receiver).digest('hex')}`;
  const q = (id: string) => {
    const tag = `${prefix}{q:${id}}`;
    return { seq: `${tag}:seq`, events: `${tag}:ev`, records: `${tag}:data`, gap: `${tag}:gap`, lease: `${tag}:lease`, verify: `${tag}:verify` };
  };
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw new StoreUnavailableError(`ssf state: ${what}: ${(error as Error).message}`, { cause: error });
    }
  };
  const encode = (stream: StreamRecord): string => {
    const { sealedAuthorization: kept, ...record } = stream as StoredStream;
    const { delivery } = record;
    if (delivery.method !== PUSH_METHOD) return JSON.stringify(record);
    const { authorizationHeader, authorizationUnreadable, ...rest } = delivery;
    // A header that did not open is written back as it was (the key or the URL may be put
    // right); the mark itself is never stored.
    if (authorizationUnreadable) return JSON.stringify(kept === undefined ? { ...record, delivery: rest } : { ...record, delivery: rest, sealedAuthorization: kept });
    if (authorizationHeader === undefined) return JSON.stringify({ ...record, delivery: rest });
    if (!kek) return JSON.stringify({ ...record, delivery: { ...rest, authorizationHeader } });
    const sealed: StoredStream = { ...record, delivery: rest, sealedAuthorization: sealText(authorizationHeader, kek, authorizationPurpose(record, rest.endpointUrl)) };
    return JSON.stringify(sealed);
  };
  const parse = (raw: string | null | undefined): StreamRecord | null => {
    if (!raw) return null;
    const stored = JSON.parse(raw) as StoredStream;
    const { sealedAuthorization, ...stream } = stored;
    if (sealedAuthorization === undefined || stream.delivery.method !== PUSH_METHOD) return stream;
    try {
      if (!kek) throw new Error('no key');
      return { ...stream, delivery: { ...stream.delivery, authorizationHeader: openText(sealedAuthorization, kek, authorizationPurpose(stream, stream.delivery.endpointUrl)) } };
    } catch {
      // The blob rides along unseen, so saving the stream for another reason keeps it.
      const unreadable: StoredStream = { ...stream, delivery: { ...stream.delivery, authorizationUnreadable: true }, sealedAuthorization };
      return unreadable;
    }
  };
  /** Streams stored before headers were sealed (or while no key was set): sealed now, each only if unchanged since read. */
  const sealStoredHeaders = async (): Promise<number> => {
    if (!kek) return 0;
    let sealed = 0;
    for (const [id, raw] of Object.entries(await client.hgetall(registry))) {
      const stored = JSON.parse(raw) as StoredStream;
      if (stored.delivery.method !== PUSH_METHOD || stored.delivery.authorizationHeader === undefined) continue;
      if (Number(await run.REPLACE([registry], [id, raw, encode(stored)])) === 1) sealed++;
    }
    return sealed;
  };

  return {
    sealStoredHeaders: () => call('seal', sealStoredHeaders),
    createStream: (stream, limits) => call('create', async () =>
      (await run.CREATE([registry, receiverSet(stream.receiver)], [stream.id, encode(stream), limits.perReceiver, limits.total])) as 'created' | 'receiver_limit' | 'total_limit'),
    getStream: (id) => call('read', async () => parse(await client.hget(registry, id))),
    listStreams: (receiver) => call('list', async () => {
      if (receiver === undefined) return Object.values(await client.hgetall(registry)).map((raw) => parse(raw) as StreamRecord);
      const ids = await client.smembers(receiverSet(receiver));
      if (ids.length === 0) return [];
      return (await client.hmget(registry, ...ids)).map(parse).filter((s): s is StreamRecord => s !== null && s.receiver === receiver);
    }),
    saveStream: (stream) => call('save', async () => Number(await run.SAVE([registry], [stream.id, encode(stream)])) === 1),
    deleteStream: (id) => call('delete', async () => {
      const stream = parse(await client.hget(registry, id));
      if (!stream) return false;
      const removed = Number(await run.REMOVE([registry, receiverSet(stream.receiver), seen], [id])) === 1;
      const keys = q(id);
      await client.del(keys.seq, keys.events, keys.records, keys.gap, keys.lease, keys.verify);
      return removed;
    }),
    touchStream: (id, atMs) => call('touch', async () => void (await client.hset(seen, id, String(atMs)))),
    lastSeen: (id) => call('last seen', async () => {
      const raw = await client.hget(seen, id);
      return raw === null ? null : Number(raw);
    }),
    append: (id, jti, record, atMs, maxBacklog) => call('append', async () => {
      const keys = q(id);
      const [appended, dropped] = (await run.APPEND([keys.seq, keys.events, keys.records, keys.gap], [jti, record, atMs, maxBacklog, BACKLOG_TTL_MS, id])) as [number, number];
      return { appended: Number(appended) === 1, dropped: Number(dropped) };
    }),
    pending: (id, max) => call('pending', async () => {
      if (max <= 0) return [];
      const keys = q(id);
      const [gap, ids, records] = (await run.PENDING([keys.events, keys.records, keys.gap], [max])) as [Array<string | null>, string[], Array<string | null>];
      const out: PendingEvent[] = [];
      const [gapJti, dropped, last] = gap;
      if (gapJti) out.push({ jti: gapJti, gap: { dropped: Number(dropped), lastDropMs: Number(last) } });
      ids.forEach((jti, i) => {
        const record = records[i];
        if (record) out.push({ jti, record });
      });
      return out.slice(0, max);
    }),
    ack: (id, jtis) => call('ack', async () => {
      if (jtis.length === 0) return 0;
      const keys = q(id);
      return Number(await run.ACK([keys.events, keys.records, keys.gap], [...jtis]));
    }),
    backlog: (id) => call('backlog', async () => client.zcard(q(id).events)),
    clearBacklog: (id) => call('clear', async () => {
      const keys = q(id);
      await client.del(keys.events, keys.records, keys.gap);
    }),
    acquireLease: (id, owner, ttlMs) => call('lease', async () => Number(await run.LEASE([q(id).lease], [owner, ttlMs])) === 1),
    releaseLease: (id, owner) => call('release', async () => void (await run.RELEASE([q(id).lease], [owner]))),
    claimVerification: (id, ttlMs) => call('verification', async () => (await client.set(q(id).verify, '1', 'PX', ttlMs, 'NX')) === 'OK'),
    remember: (event, keepSinceMs, maxEntries) => call('remember', async () =>
      void (await run.REMEMBER([recentKey, lostKey], [event.record, event.atMs, keepSinceMs, maxEntries]))),
    recent: (sinceMs) => call('recent', async () => {
      const [raw, [until, count]] = await Promise.all([client.zrangebyscore(recentKey, sinceMs, '+inf', 'WITHSCORES'), client.hmget(lostKey, 'until', 'count')]);
      const records: RecentEvent[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) records.push({ record: raw[i] as string, atMs: Number(raw[i + 1]) });
      return { records, lost: until ? { untilMs: Number(until), count: Number(count ?? 0) } : null };
    }),
    signal: () => call('signal', async () => void (await client.incr(versionKey))),
    version: () => call('version', async () => Number((await client.get(versionKey)) ?? 0)),
  };
}
