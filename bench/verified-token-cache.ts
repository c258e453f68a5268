/**
 * `node --import tsx bench/verified-token-cache.ts`: what the verified-token cache costs per
 * operation, full at its default 10k entries. Two figures per candidate: a new token (a
 * lookup that misses, then an insert that evicts, as the broker does on a first
 * verification) and a hit. The candidates are the cache the broker uses (`VerifiedTokenCache`,
 * on lru-cache) and, for reference, the Map-based LRU it replaced, which evicted the least
 * recently used hundredth of a full cache at once. Each candidate runs in its own process
 * (so neither is measured through call sites the other made polymorphic), alternately.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { VerifiedTokenCache, type CachedVerification } from '../src/attestation/index.js';

interface Candidate {
  get(key: string, nowMs: number): CachedVerification | undefined;
  set(key: string, entry: CachedVerification): void;
}

/** The replaced implementation: a Map kept in use order, evicting in batches. */
class MapBatchLru implements Candidate {
  readonly #entries = new Map<string, CachedVerification>();
  constructor(readonly maxEntries: number) {}

  get(key: string, nowMs: number): CachedVerification | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedVerification): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      let left = Math.ceil(this.maxEntries / 100);
      for (const old of this.#entries.keys()) {
        if (left-- <= 0) break;
        this.#entries.delete(old);
      }
    }
    this.#entries.set(key, entry);
  }
}

const CAPACITY = 10_000;
const OPERATIONS = 200_000;
const ROUNDS = 7;
const keys = Array.from({ length: OPERATIONS }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
const entry: CachedVerification = { policyVersion: 'v', agentId: 'a', issuer: 'i', subject: 's', times: { iat: 1, exp: 2 }, expiresAtMs: Number.MAX_SAFE_INTEGER };

function nsPerOp(operations: number, run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / operations;
}

function measure(make: () => Candidate): { newTokenNs: number; hitNs: number } {
  const inserts: number[] = [];
  const hits: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cache = make();
    for (let i = 0; i < CAPACITY; i++) cache.set(keys[i] as string, entry);
    inserts.push(nsPerOp(OPERATIONS - CAPACITY, () => {
      for (let i = CAPACITY; i < OPERATIONS; i++) {
        const key = keys[i] as string;
        if (!cache.get(key, 0)) cache.set(key, entry);
      }
    }));
    // The newest 90% are present whichever eviction policy ran; visit them in a scattered order.
    const live = keys.slice(OPERATIONS - (CAPACITY * 9) / 10);
    let found = 0;
    hits.push(nsPerOp(OPERATIONS, () => {
      for (let i = 0; i < OPERATIONS; i++) if (cache.get(live[(i * 7919) % live.length] as string, 0)) found++;
    }));
    if (found !== OPERATIONS) throw new Error(`expected every lookup to hit, got ${found}`);
  }
  return { newTokenNs: median(inserts), hitNs: median(hits) };
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] as number;
}

const CANDIDATES: Record<string, () => Candidate> = {
  'VerifiedTokenCache (lru-cache)': () => new VerifiedTokenCache({ maxEntries: CAPACITY }),
  'Map LRU, batch eviction': () => new MapBatchLru(CAPACITY),
};

const only = process.argv[2];
if (only !== undefined) {
  const make = CANDIDATES[only];
  if (!make) throw new Error(`unknown candidate ${only}`);
  measure(make); // warm up the JIT before anything is reported
  process.stdout.write(JSON.stringify(measure(make)));
} else {
  const runs = new Map<string, Array<{ newTokenNs: number; hitNs: number }>>();
  for (let pass = 0; pass < 3; pass++) {
    const names = Object.keys(CANDIDATES);
    for (const name of pass % 2 === 0 ? names : names.reverse()) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
      runs.set(name, [...(runs.get(name) ?? []), JSON.parse(out) as { newTokenNs: number; hitNs: number }]);
    }
  }
  for (const [name, results] of runs) {
    const newToken = median(results.map((r) => r.newTokenNs)).toFixed(0);
    const hit = median(results.map((r) => r.hitNs)).toFixed(0);
    console.log(`${name.padEnd(32)} new token into a full ${CAPACITY}: ${newToken} ns   hit: ${hit} ns`);
  }
}
