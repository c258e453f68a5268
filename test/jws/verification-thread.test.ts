import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createVerificationThread, type VerificationJob } from '../../src/jws/verification-thread.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A thread that exits as soon as it is handed anything. */
const DIES_ON_FIRST_MESSAGE = `
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', () => process.exit(3));`;

function es256Job(input: string, signer = generateKeyPairSync('ec', { namedCurve: 'P-256' })): { job: VerificationJob; privateKey: KeyObject } {
  const signature = sign('sha256', Buffer.from(input, 'latin1'), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { job: { hash: 'sha256', key: signer.publicKey, options: { dsaEncoding: 'ieee-p1363' }, signingInput: input, signature }, privateKey: signer.privateKey };
}

/** What the caller's thread would answer (node:crypto, synchronously), counting its calls. */
function hereCounter() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    verify(job: VerificationJob): boolean {
      calls++;
      try {
        return verify(job.hash, Buffer.from(job.signingInput, 'latin1'), { key: job.key, ...job.options }, Buffer.from(job.signature, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}

t.test('the thread decides like node:crypto: a genuine signature matches, a changed input, a foreign key or garbage does not', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false });
  t.teardown(() => thread.close());
  const { job } = es256Job('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0');
  const other = es256Job('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0').job;
  const answers = await Promise.all([
    thread.verify(job),
    thread.verify({ ...job, signingInput: `${job.signingInput}x` }),
    thread.verify({ ...job, key: other.key }),
    thread.verify({ ...job, signature: 'not-a-signature' }),
    thread.verify({ ...job, signature: '' }),
  ]);
  t.same(answers, [true, false, false, false, false]);
  t.equal(here.calls, 0, 'none of them was verified on the calling thread');
});

t.test('verifications started in one turn of the event loop travel to the thread in one message', async (t) => {
  // A stand-in thread that answers "match" only for jobs that came with others.
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (batch) => {
      const results = new Uint8Array(batch.jobs.length).fill(batch.jobs.length > 1 ? 1 : 0);
      parentPort.postMessage({ first: batch.first, results });
    });`;
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source });
  t.teardown(() => thread.close());
  const { job } = es256Job('a.b');
  const together = await Promise.all(Array.from({ length: 50 }, () => thread.verify(job)));
  t.ok(together.every(Boolean), 'fifty in one turn: one message');
  t.equal(await thread.verify(job), false, 'one alone: a message of its own');
  t.equal(here.calls, 0);
});

t.test('a thread that dies: what it held is verified on the calling thread, and the next use starts a new thread', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source: DIES_ON_FIRST_MESSAGE, restartDelayMs: 0 });
  t.teardown(() => thread.close());
  const genuine = es256Job('x.y').job;
  const forged = { ...genuine, signingInput: 'x.z' };
  t.same(await Promise.all([thread.verify(genuine), thread.verify(forged)]), [true, false], 'decided on the signature, not on the crash');
  t.equal(here.calls, 2);
  const again = thread.verify(genuine);
  // Verified here, it would have been counted before verify returned.
  t.equal(here.calls, 2, 'a second thread is started and handed the check');
  t.equal(await again, true, 'it dies the same way, and the check is still answered');
  t.equal(here.calls, 3);
});

t.test('a thread that dies holding many checks: every one is answered by the calling thread', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source: DIES_ON_FIRST_MESSAGE });
  t.teardown(() => thread.close());
  const genuine = es256Job('many.checks').job;
  const forged = { ...genuine, signingInput: 'many.forged' };
  const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => thread.verify(i % 2 === 0 ? genuine : forged)));
  t.same(answers, Array.from({ length: 300 }, (_, i) => i % 2 === 0));
  t.equal(here.calls, 300);
});

t.test('a thread that keeps dying is not restarted on every check: the calling thread verifies meanwhile', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source: DIES_ON_FIRST_MESSAGE, restartDelayMs: 60_000 });
  t.teardown(() => thread.close());
  const { job } = es256Job('s.t');
  t.equal(await thread.verify(job), true);
  const answers = [thread.verify(job), thread.verify(job)];
  t.equal(here.calls, 3, 'nothing handed to a thread within the delay: both verified before verify returned');
  t.same(await Promise.all(answers), [true, true]);
  t.equal(here.calls, 3);
});

t.test('a thread that does not know the key has the calling thread verify, never guesses', async (t) => {
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (batch) => {
      parentPort.postMessage({ first: batch.first, results: new Uint8Array(batch.jobs.length).fill(2) });
    });`;
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source });
  t.teardown(() => thread.close());
  const genuine = es256Job('k.l').job;
  t.same(await Promise.all([thread.verify(genuine), thread.verify({ ...genuine, signature: genuine.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })]), [true, false]);
  t.equal(here.calls, 2);
});

t.test('beyond the waiting bound, callers verify on their own thread', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, maxWaiting: 3 });
  t.teardown(() => thread.close());
  const { job } = es256Job('m.n');
  const answers = await Promise.all(Array.from({ length: 10 }, () => thread.verify(job)));
  t.ok(answers.every(Boolean));
  t.equal(here.calls, 7, 'three waited for the thread, seven were verified here');
});

t.test('the thread holds a bounded number of keys; a dropped key is sent again when used again', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, maxKeys: 2 });
  t.teardown(() => thread.close());
  const jobs = ['a.1', 'b.2', 'c.3'].map((input) => es256Job(input).job);
  for (let round = 0; round < 3; round++) {
    for (const job of jobs) {
      t.equal(await thread.verify(job), true, `round ${round}, ${job.signingInput}`);
      t.equal(await thread.verify({ ...job, key: (jobs[(jobs.indexOf(job) + 1) % 3] as VerificationJob).key }), false, `round ${round}, ${job.signingInput} under another key`);
    }
  }
  t.same(await Promise.all(jobs.map((job) => thread.verify(job))), [true, true, true], 'three keys in one message with room for two');
  t.equal(here.calls, 0);
});

t.test('after close, verification goes on, on the calling thread', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false });
  const { job } = es256Job('o.p');
  t.equal(await thread.verify(job), true);
  t.equal(here.calls, 0);
  const pending = thread.verify(job);
  await thread.close();
  t.equal(await pending, true, 'what waited at close is answered');
  const before = here.calls; // the thread may or may not have answered before it stopped
  const after = thread.verify(job);
  t.equal(here.calls, before + 1, 'no thread is started again: the check after close is verified here, at once');
  t.equal(await after, true);
});

t.test('the thread forgets the keys the calling side dropped: its key map stays within the bound', async (t) => {
  // A stand-in thread keeping keys as the real one does, answering "match" while it holds at most two.
  const source = `
    const { parentPort } = require('node:worker_threads');
    const keys = new Map();
    parentPort.on('message', (batch) => {
      for (const [id, key] of batch.keys) keys.set(id, key);
      const withinBound = keys.size <= 2 + batch.keys.length;
      for (const id of batch.forget) keys.delete(id);
      const results = new Uint8Array(batch.jobs.length).fill(withinBound && keys.size <= 2 ? 1 : 0);
      parentPort.postMessage({ first: batch.first, results });
    });`;
  const here = hereCounter();
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source, maxKeys: 2 });
  t.teardown(() => thread.close());
  for (let i = 0; i < 6; i++) t.equal(await thread.verify(es256Job(`${i}.k`).job), true, `key ${i}`);
  t.equal(here.calls, 0);
});

t.test('a batch leaves as soon as it holds its bound of bytes, so the thread never reads more at once', async (t) => {
  const source = `
    const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (batch) => {
      const results = new Uint8Array(batch.jobs.length).fill(batch.jobs.length <= 3 ? 1 : 0);
      parentPort.postMessage({ first: batch.first, results });
    });`;
  const here = hereCounter();
  const { job } = es256Job('u.v');
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source, maxBatchBytes: 3 * (job.signingInput.length + job.signature.length) });
  t.teardown(() => thread.close());
  const answers = await Promise.all(Array.from({ length: 10 }, () => thread.verify(job)));
  t.ok(answers.every(Boolean), 'ten checks in one turn went as batches of at most three');
});

t.test('a thread that cannot be created: the calling thread verifies, and the check is answered, not rejected', async (t) => {
  const here = hereCounter();
  // Not a program: the Worker constructor throws.
  const thread = createVerificationThread(here.verify, { verifyAloneHere: false, source: 42 as unknown as string });
  t.teardown(() => thread.close());
  const genuine = es256Job('w.x').job;
  t.same(await Promise.all([thread.verify(genuine), thread.verify({ ...genuine, signingInput: 'w.y' })]), [true, false]);
  t.equal(here.calls, 2);
});

t.test('a check alone in its turn is verified on the calling thread; checks that come together go to the thread', async (t) => {
  const here = hereCounter();
  const thread = createVerificationThread(here.verify);
  t.teardown(() => thread.close());
  const genuine = es256Job('alone.here').job;
  t.same([await thread.verify(genuine), await thread.verify({ ...genuine, signingInput: 'alone.forged' })], [true, false], 'one at a time, decided like node:crypto');
  t.equal(here.calls, 2, 'each was verified here: a hand-over for one check costs more than the check');
  const together = await Promise.all(Array.from({ length: 8 }, (_, i) => thread.verify(i % 2 === 0 ? genuine : { ...genuine, signingInput: 'alone.forged' })));
  t.same(together, Array.from({ length: 8 }, (_, i) => i % 2 === 0));
  t.equal(here.calls, 2, 'eight in one turn went to the thread');
  const other = es256Job('alone.other').job;
  t.equal(await thread.verify(other), true, 'a key first seen alone');
  t.same(await Promise.all([thread.verify(other), thread.verify(other)]), [true, true], 'is sent to the thread the first time it goes there');
  t.equal(here.calls, 3, 'the thread knew the key: nothing fell back to the calling thread');
});

t.test('bounds below one are refused when the thread is made', async (t) => {
  for (const bound of ['maxKeys', 'maxWaiting', 'maxBatchBytes'] as const) {
    t.throws(() => createVerificationThread(() => false, { [bound]: 0 }), RangeError, bound);
  }
});

t.test('an idle thread does not keep a finished process alive, a busy one keeps it until the answer', async (t) => {
  const script = `
    import { generateKeyPairSync, sign } from 'node:crypto';
    import { createVerificationThread } from ${JSON.stringify(join(ROOT, 'src/jws/verification-thread.ts'))};
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const input = 'q.r';
    const signature = sign('sha256', Buffer.from(input), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const thread = createVerificationThread(() => { throw new Error('not on the thread'); }, { verifyAloneHere: false });
    // Nothing else holds the event loop open: only the thread can bring the answer.
    thread.verify({ hash: 'sha256', key: pair.publicKey, options: { dsaEncoding: 'ieee-p1363' }, signingInput: input, signature })
      .then((matches) => process.stdout.write(matches ? 'verified' : 'refused'));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  t.equal(out, 'verified', `the answer arrived before exit ${err}`);
  t.equal(code, 0, 'and the process then exited by itself');
});
