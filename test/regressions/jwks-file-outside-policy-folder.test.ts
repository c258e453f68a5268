/**
 * Regression (left over from earlier work): a policy whose jwks_file lives outside the policy's
 * folder was reloaded only by SIGHUP in common deployments. The reloader watched the folder the
 * path names, by name: a `current` link re-pointed to a new folder, a Kubernetes Secret whose
 * key is projected into a subfolder (`keys -> ..data/keys`, updated by renaming `..data`), and a
 * folder replaced or re-created under the same name all went unnoticed (the watch stayed on the
 * old folder). Every update must now reach the policy in force without a signal.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { createPolicyHolder, createPolicyReloader, formatProblems, loadPolicyFile } from '../../src/policy/index.js';
import { basePolicy } from '../helpers/broker.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');
const jwks = (kid: string, x: string, y: string) => JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x, y, kid }] });
const KEYS = [
  jwks('k0', 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0'),
  jwks('k1', 'gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0', 'SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps'),
];
const UPDATES = 3;
const DEADLINE_MS = 5_000;

interface Layout {
  /** Lays out version 0 of the issuer's key file under `root`; returns the jwks_file path the policy names. */
  prepare(root: string): string;
  /** Publishes version `n` (n >= 1) the way this deployment does. */
  update(root: string, n: number): void;
}

/** The policy in root/policy/, the issuer's keys wherever the layout puts them; resolves on every reload attempt. */
async function watchedPolicy(t: Test, layout: Layout) {
  const root = mkdtempSync(join(tmpdir(), 'sts-jwks-watch-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const jwksFile = layout.prepare(root);
  mkdirSync(join(root, 'policy'));
  writeFileSync(join(root, 'policy', 'ticket-summarizer.jwks.json'), KEYS[0] as string);
  const doc = basePolicy();
  (doc.issuers as Array<Record<string, unknown>>)[0]!.jwks_file = jwksFile;
  const path = join(root, 'policy', 'policy.yaml');
  writeFileSync(path, stringify(doc));
  const load = () => loadPolicyFile(path, { nowMs: NOW });
  const first = await load();
  if (!first.compiled) throw new Error(formatProblems(first.problems));
  const holder = createPolicyHolder(first.compiled);
  let wake = () => {};
  const reloader = createPolicyReloader({
    path, holder, load, format: formatProblems, logger: pino({ level: 'silent' }), debounceMs: 20,
    onReloaded: () => wake(), onRefused: () => wake(),
  });
  t.teardown(() => reloader.close());
  const issuerKid = () => holder.current().policy.issuers[0]?.jwks?.keys[0]?.kid;
  /** Resolves true at the next reload attempt, false at the deadline. */
  const nextAttempt = () => new Promise<boolean>((resolve) => {
    const deadline = setTimeout(() => resolve(false), DEADLINE_MS);
    wake = () => {
      clearTimeout(deadline);
      resolve(true);
    };
  });
  /** Waits for reload attempts (never on a fixed sleep) until the issuer's key is `kid`, or the deadline. */
  const untilKid = (kid: string) => new Promise<boolean>((resolve) => {
    const deadline = setTimeout(() => resolve(false), DEADLINE_MS);
    wake = () => {
      if (issuerKid() !== kid) return;
      clearTimeout(deadline);
      resolve(true);
    };
    wake();
  });
  return { root, issuerKid, untilKid, nextAttempt };
}

async function everyUpdateIsSeen(t: Test, layout: Layout): Promise<void> {
  const { root, issuerKid, untilKid } = await watchedPolicy(t, layout);
  t.equal(issuerKid(), 'k0');
  for (let n = 1; n <= UPDATES; n++) {
    const want = `k${n % 2}`;
    const seen = untilKid(want);
    layout.update(root, n);
    t.ok(await seen, `update ${n} is in force without SIGHUP (issuer key ${String(issuerKid())}, want ${want})`);
  }
}

t.test('a link re-pointed to a new folder (current -> v2)', async (t) => {
  await everyUpdateIsSeen(t, {
    prepare(root) {
      mkdirSync(join(root, 'v0'));
      writeFileSync(join(root, 'v0', 'issuer.jwks.json'), KEYS[0] as string);
      symlinkSync('v0', join(root, 'current'));
      return '../current/issuer.jwks.json';
    },
    update(root, n) {
      mkdirSync(join(root, `v${n}`));
      writeFileSync(join(root, `v${n}`, 'issuer.jwks.json'), KEYS[n % 2] as string);
      symlinkSync(`v${n}`, join(root, 'current.tmp'));
      renameSync(join(root, 'current.tmp'), join(root, 'current'));
    },
  });
});

/** A Kubernetes Secret volume: the kubelet writes a new `..<timestamp>` folder and renames `..data` over the old link. */
function secretVolume(options: { subfolder: boolean; removeOld: boolean }): Layout {
  const inside = options.subfolder ? ['keys'] : [];
  const version = (root: string, n: number) => join(root, 'mount', `..v${n}`, ...inside);
  const publish = (root: string, n: number) => {
    mkdirSync(version(root, n), { recursive: true });
    writeFileSync(join(version(root, n), 'issuer.jwks.json'), KEYS[n % 2] as string);
  };
  return {
    prepare(root) {
      publish(root, 0);
      symlinkSync('..v0', join(root, 'mount', '..data'));
      const top = options.subfolder ? 'keys' : 'issuer.jwks.json';
      symlinkSync(join('..data', top), join(root, 'mount', top));
      return join(root, 'mount', ...inside, 'issuer.jwks.json');
    },
    update(root, n) {
      publish(root, n);
      symlinkSync(`..v${n}`, join(root, 'mount', '..data_tmp'));
      renameSync(join(root, 'mount', '..data_tmp'), join(root, 'mount', '..data'));
      if (options.removeOld) rmSync(join(root, 'mount', `..v${n - 1}`), { recursive: true });
    },
  };
}

t.test('a Kubernetes Secret, key at the top of the volume', async (t) => {
  await everyUpdateIsSeen(t, secretVolume({ subfolder: false, removeOld: true }));
});

t.test('a Kubernetes Secret, key projected into a subfolder', async (t) => {
  await everyUpdateIsSeen(t, secretVolume({ subfolder: true, removeOld: true }));
});

t.test('a Kubernetes Secret, key in a subfolder, old versions removed later', async (t) => {
  await everyUpdateIsSeen(t, secretVolume({ subfolder: true, removeOld: false }));
});

t.test('the folder replaced by another under the same name', async (t) => {
  await everyUpdateIsSeen(t, {
    prepare(root) {
      mkdirSync(join(root, 'keys'));
      writeFileSync(join(root, 'keys', 'issuer.jwks.json'), KEYS[0] as string);
      return join(root, 'keys', 'issuer.jwks.json');
    },
    update(root, n) {
      mkdirSync(join(root, `keys.${n}`));
      writeFileSync(join(root, `keys.${n}`, 'issuer.jwks.json'), KEYS[n % 2] as string);
      renameSync(join(root, 'keys'), join(root, `keys.old.${n}`));
      renameSync(join(root, `keys.${n}`), join(root, 'keys'));
    },
  });
});

t.test('the folder removed, then created again with the new key', async (t) => {
  const { root, issuerKid, untilKid, nextAttempt } = await watchedPolicy(t, {
    prepare(root) {
      mkdirSync(join(root, 'keys'));
      writeFileSync(join(root, 'keys', 'issuer.jwks.json'), KEYS[0] as string);
      return join(root, 'keys', 'issuer.jwks.json');
    },
    update() {},
  });
  const refused = nextAttempt();
  rmSync(join(root, 'keys'), { recursive: true });
  t.ok(await refused, 'the removal is noticed (and refused: the file is gone)');
  t.equal(issuerKid(), 'k0', 'the policy in force stays');
  mkdirSync(join(root, 'keys'));
  const seen = untilKid('k1');
  writeFileSync(join(root, 'keys', 'issuer.jwks.json'), KEYS[1] as string);
  t.ok(await seen, 'the key written into the new folder is in force');
});
