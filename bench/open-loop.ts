/**
 * Open-loop load: requests are scheduled at a fixed rate whatever the server does, and each
 * latency is measured from its *scheduled* send time, so a stall shows up as latency
 * instead of silently lowering the offered load (autocannon's overallRate is still closed
 * loop per connection and suffers from that coordinated omission).
 *
 * The generator shares two cores with the server it measures, so it is kept lean: raw
 * keep-alive sockets opened before the clock starts (connection set-up is not part of a
 * token request's latency), whole requests encoded to bytes before the clock starts, responses
 * parsed only as far as the status line and Content-Length, and the generator's garbage
 * collected just before the first send. node:http's client cost several times more CPU per
 * request, and its own event-loop stalls were counted as server latency.
 */
import { connect, type Socket } from 'node:net';
import { settleHeap } from './settle-heap.js';

export interface OpenLoopResult {
  offered_rps: number;
  /** Successful responses per second, from the first scheduled send to the last response. */
  achieved_rps: number;
  sent: number;
  ok: number;
  failed: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  sampleError?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

interface Response { status: number; body: Buffer }

/** One keep-alive HTTP/1.1 connection with at most one request in flight (no pipelining). */
class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private onResponse: ((r: Response) => void) | undefined;
  private onFailure: ((e: Error) => void) | undefined;
  broken = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(request: Buffer, onResponse: (r: Response) => void, onFailure: (e: Error) => void): void {
    this.onResponse = onResponse;
    this.onFailure = onFailure;
    this.socket.write(request);
  }

  close(): void {
    this.broken = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const headerEnd = this.pending.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.pending.toString('latin1', 0, headerEnd);
    const length = CONTENT_LENGTH.exec(head);
    if (!length) return this.fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (this.pending.length < end) return;
    const status = Number(head.slice(9, 12));
    const body = this.pending.subarray(headerEnd + HEADER_END.length, end);
    this.pending = this.pending.subarray(end);
    const done = this.onResponse;
    this.onResponse = this.onFailure = undefined;
    done?.({ status, body });
  }

  private fail(error: Error): void {
    this.broken = true;
    const failed = this.onFailure;
    this.onResponse = this.onFailure = undefined;
    failed?.(error);
  }
}

/** Whole requests, encoded before the clock starts: the generator does no string work per request. */
function encodeRequests(host: string, port: number, bodies: string[]): Buffer[] {
  const head = `POST /oauth/token HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: `;
  return bodies.map((body) => Buffer.from(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8'));
}

export async function openLoop(host: string, port: number, bodies: string[], rate: number, seconds: number, connections = 128): Promise<OpenLoopResult> {
  const requests = encodeRequests(host, port, bodies);
  const pool = await Promise.all(Array.from({ length: connections }, () => Connection.open(host, port)));
  const all = new Set(pool);
  const idle = [...pool];
  let finished = false;
  const queue: number[] = [];
  const total = Math.floor(rate * seconds);
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let errors = 0;
  let sampleError: string | undefined;
  let sent = 0;
  let done = 0;
  let lastResponse = 0;
  settleHeap(); // everything the run needs exists: the garbage of building it goes now
  const start = performance.now() + 20;
  const intervalMs = 1000 / rate;

  const dispatch = (conn: Connection, i: number) => {
    const scheduled = start + i * intervalMs;
    conn.send(requests[i % requests.length] as Buffer, (res) => {
      lastResponse = performance.now();
      latencies.push(lastResponse - scheduled);
      if (res.status === 200) ok++;
      else {
        failed++;
        sampleError ??= `${res.status} ${res.body.toString().slice(0, 300)}`;
      }
      done++;
      release(conn);
    }, (error) => {
      errors++;
      done++;
      sampleError ??= `error ${error.message}`;
      release(conn);
    });
  };
  // A free connection takes the oldest queued request; a broken one is replaced first.
  const release = (conn: Connection) => {
    if (finished) return;
    if (conn.broken) {
      all.delete(conn);
      Connection.open(host, port).then((fresh) => {
        if (finished) return fresh.close();
        all.add(fresh);
        release(fresh);
      }, (error: Error) => {
        sampleError ??= `error reconnecting: ${error.message}`;
      });
      return;
    }
    const next = queue.shift();
    if (next === undefined) idle.push(conn);
    else dispatch(conn, next);
  };
  // Oldest idle connection first (FIFO): all of them stay in use, so none idles into the
  // server's keep-alive timeout and gets closed just as a request is written to it.
  const fire = (i: number) => {
    let conn = idle.shift();
    while (conn?.broken) {
      release(conn);
      conn = idle.shift();
    }
    if (conn) dispatch(conn, i);
    else queue.push(i);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 20);
  });
  const sendEnd = performance.now();
  const deadline = sendEnd + 15_000;
  while (done < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  // Nothing is sent or reconnected after the run: a late answer must not load the next phase.
  finished = true;
  for (const conn of all) conn.close();
  const elapsedS = (Math.max(sendEnd, lastResponse) - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    offered_rps: rate,
    achieved_rps: Math.round(ok / Math.max(elapsedS, 1e-3)),
    sent, ok, failed, errors: errors + (sent - done),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.length ? (latencies[latencies.length - 1] as number) : NaN,
    ...(sampleError ? { sampleError } : {}),
  };
}
