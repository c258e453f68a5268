/**
 * A thread of its own for signature verification: the event loop hands each verification to
 * it and goes on. Every verification the event loop starts while handling one batch of
 * requests travels in one message, and its answers come back in one, so under load the
 * hand-over is paid per batch instead of per token.
 *
 * Why not libuv's thread pool (node:crypto's callback form): its threads also serve DNS
 * lookups and file I/O, so a slow resolver (a JWKS or push host) would hold up every token
 * verification behind it; and each job wakes a pool thread of its own, which on a small
 * machine costs more context switches than the arithmetic saves (`npm run bench`).
 *
 * A batch of one is verified on the calling thread instead: handing a single check over and
 * back costs more CPU (two wake-ups, two messages) than the check itself, and at low load the
 * event loop has the time. So the thread works when requests arrive together, and a quiet
 * broker spends no more per token than one without it (`npm run bench`, open loop).
 *
 * The thread is started on first use and restarted a second after a crash; while it is down,
 * or when too many verifications wait, the caller's thread verifies instead, so a
 * verification is never refused for a reason that is not the signature's.
 */
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * One signature check: node:crypto's `verify(hash, input, { key, ...options }, signature)`.
 * The input and signature travel as the strings they arrived as: a string is copied as is,
 * where a small Buffer would carry the whole shared slab it was cut from.
 */
export interface VerificationJob {
  hash: string | null;
  key: KeyObject;
  options: VerificationOptions;
  /** The JWS signing input, ASCII. */
  signingInput: string;
  /** The signature, base64url. */
  signature: string;
}

/** The members of node:crypto's verify key input besides the key itself. */
export interface VerificationOptions {
  dsaEncoding?: 'ieee-p1363';
  padding?: number;
  saltLength?: number;
}

export type VerifyOnCallingThread = (job: VerificationJob) => boolean;

interface WireJob {
  keyId: number;
  hash: string | null;
  options: VerificationOptions;
  input: string;
  signature: string;
}

interface Batch {
  first: number;
  jobs: WireJob[];
  /** Keys the thread has not seen, by id (KeyObjects are cloned, once per key). */
  keys: Array<[number, KeyObject]>;
  /** Ids the thread drops once this batch is done: the main side no longer holds them. */
  forget: number[];
}

const MISMATCH = 0;
const MATCH = 1;
const KEY_UNKNOWN = 2;
const ORPHAN_SLICE = 64;

/** The thread's whole program: plain CommonJS, so it runs the same from `dist/` and under tsx. */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { verify } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (batch) => {
  for (const [id, key] of batch.keys) keys.set(id, key);
  const results = new Uint8Array(batch.jobs.length);
  for (let i = 0; i < batch.jobs.length; i++) {
    const job = batch.jobs[i];
    const key = keys.get(job.keyId);
    if (key === undefined) { results[i] = ${KEY_UNKNOWN}; continue; }
    try {
      const input = Buffer.from(job.input, 'latin1');
      results[i] = verify(job.hash, input, { key, ...job.options }, Buffer.from(job.signature, 'base64url')) ? ${MATCH} : ${MISMATCH};
    } catch {
      results[i] = ${MISMATCH};
    }
  }
  // Forgotten after this batch's jobs, which may still use them (ids are never reused).
  for (const id of batch.forget) keys.delete(id);
  parentPort.postMessage({ first: batch.first, results }, [results.buffer]);
});
`;

export interface VerificationThreadOptions {
  /** Verifications waiting for the thread beyond which callers verify on their own thread. */
  maxWaiting?: number;
  /** Bytes of signing input and signature beyond which a batch leaves at once (the thread's heap is bounded). */
  maxBatchBytes?: number;
  /** Distinct keys the thread holds at once (the oldest is dropped first). */
  maxKeys?: number;
  /** After the thread dies, how long the calling thread verifies before a new thread is tried. */
  restartDelayMs?: number;
  /** Whether a batch of one is verified on the calling thread (the default) rather than handed over. */
  verifyAloneHere?: boolean;
  /** Tests: the thread's program. */
  source?: string;
}

export interface VerificationThread {
  verify(job: VerificationJob): Promise<boolean>;
  /** Stops the thread; waiting verifications finish on the calling thread. */
  close(): Promise<void>;
}

interface Waiter {
  job: VerificationJob;
  resolve(matches: boolean): void;
}

export function createVerificationThread(verifyHere: VerifyOnCallingThread, options: VerificationThreadOptions = {}): VerificationThread {
  const maxWaiting = options.maxWaiting ?? 4096;
  const maxKeys = options.maxKeys ?? 256;
  const maxBatchBytes = options.maxBatchBytes ?? 2 * 1024 * 1024;
  if (!(maxKeys >= 1) || !(maxWaiting >= 1) || !(maxBatchBytes >= 1)) throw new RangeError('the verification thread needs room for at least one key, check and byte');
  const source = options.source ?? THREAD_SOURCE;
  const restartDelayMs = options.restartDelayMs ?? 1_000;
  const verifyAloneHere = options.verifyAloneHere ?? true;
  let worker: Worker | null = null;
  // A thread that cannot start or keeps dying is not restarted on every token.
  let downUntilMs = 0;
  let closed = false;
  let nextSeq = 0;
  // Sequence number → waiter, for everything sent and not answered (answers come in order).
  const inFlight = new Map<number, Waiter>();
  let outgoing: { first: number; jobs: WireJob[]; keys: Array<[number, KeyObject]>; bytes: number } | null = null;
  let forget: number[] = [];
  // The keys the thread holds, oldest first; ids are never reused.
  const keyIds = new Map<KeyObject, number>();
  let nextKeyId = 0;

  function start(): Worker {
    // Its heap holds keys and one batch at a time: bounded, and a thread that outgrows it dies
    // and is replaced like any other.
    const thread = new Worker(source, { eval: true, execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 } });
    thread.on('message', (answer: { first: number; results: Uint8Array }) => settle(answer.first, answer.results));
    thread.on('error', () => {}); // 'exit' follows; what waited is verified here
    // A batch the thread could not read would never be answered: replace the thread.
    thread.on('messageerror', () => void thread.terminate());
    thread.on('exit', () => {
      if (worker === thread) lose();
    });
    return thread;
  }

  /** The thread is gone: what it held is verified here, and a new one starts on next use. */
  function lose(): void {
    worker = null;
    downUntilMs = performance.now() + restartDelayMs;
    outgoing = null;
    keyIds.clear();
    forget = [];
    verifyOrphansHere();
  }

  /** What the thread held, verified here a slice per turn, so other requests are served between slices. */
  function verifyOrphansHere(): void {
    const orphans = [...inFlight.values()];
    inFlight.clear();
    const slice = (from: number): void => {
      const to = Math.min(orphans.length, from + ORPHAN_SLICE);
      for (let i = from; i < to; i++) {
        const waiter = orphans[i] as Waiter;
        waiter.resolve(verifyHere(waiter.job));
      }
      if (to < orphans.length) setImmediate(slice, to);
    };
    slice(0);
  }

  function settle(first: number, results: Uint8Array): void {
    for (let i = 0; i < results.length; i++) {
      const waiter = inFlight.get(first + i);
      if (!waiter) continue;
      inFlight.delete(first + i);
      // A key the thread had dropped (it never should): verified here rather than guessed.
      waiter.resolve(results[i] === KEY_UNKNOWN ? verifyHere(waiter.job) : results[i] === MATCH);
    }
    // Idle, the thread must not keep a finished process alive; busy, it must (someone awaits it).
    if (inFlight.size === 0) worker?.unref();
  }

  function keyIdFor(key: KeyObject, batch: NonNullable<typeof outgoing>): number {
    const known = keyIds.get(key);
    if (known !== undefined) return known;
    if (keyIds.size >= maxKeys) {
      const [oldest, oldestId] = keyIds.entries().next().value as [KeyObject, number];
      keyIds.delete(oldest);
      forget.push(oldestId);
    }
    const id = nextKeyId++;
    keyIds.set(key, id);
    batch.keys.push([id, key]);
    return id;
  }

  function flush(): void {
    const batch = outgoing;
    outgoing = null;
    if (!batch || !worker) return;
    if (verifyAloneHere && batch.jobs.length === 1) return verifyBatchHere(batch);
    const message: Batch = { first: batch.first, jobs: batch.jobs, keys: batch.keys, forget };
    forget = [];
    worker.postMessage(message);
  }

  /** The thread never sees this batch: its new keys are not the thread's, and its one job is answered here. */
  function verifyBatchHere(batch: NonNullable<typeof outgoing>): void {
    for (const [, key] of batch.keys) keyIds.delete(key);
    const waiter = inFlight.get(batch.first);
    settle(batch.first, Uint8Array.of(waiter !== undefined && verifyHere(waiter.job) ? MATCH : MISMATCH));
  }

  return {
    verify(job) {
      if (closed || inFlight.size >= maxWaiting) return Promise.resolve(verifyHere(job));
      if (!worker) {
        // A monotonic clock: a wall clock stepped back would keep the thread down for as long.
        if (performance.now() < downUntilMs) return Promise.resolve(verifyHere(job));
        try {
          worker = start();
        } catch {
          downUntilMs = performance.now() + restartDelayMs;
          return Promise.resolve(verifyHere(job));
        }
      }
      if (inFlight.size === 0) worker.ref();
      if (!outgoing) {
        outgoing = { first: nextSeq, jobs: [], keys: [], bytes: 0 };
        // Everything started in this turn of the event loop leaves together.
        setImmediate(flush);
      }
      const keyId = keyIdFor(job.key, outgoing);
      outgoing.jobs.push({ keyId, hash: job.hash, options: job.options, input: job.signingInput, signature: job.signature });
      outgoing.bytes += job.signingInput.length + job.signature.length;
      const seq = nextSeq++;
      const answer = new Promise<boolean>((resolve) => inFlight.set(seq, { job, resolve }));
      // A full batch leaves now; the next one starts with the next check.
      if (outgoing.bytes >= maxBatchBytes) flush();
      return answer;
    },
    async close() {
      closed = true;
      flush();
      const thread = worker;
      if (!thread) return;
      worker = null;
      await thread.terminate();
      verifyOrphansHere();
    },
  };
}
