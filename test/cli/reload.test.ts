import { mkdtempSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { stringify } from 'yaml';
import { createPolicyHolder, createPolicyReloader } from '../../src/policy/holder.js';
import { formatProblems, loadPolicyFile } from '../../src/policy/index.js';
import { basePolicy } from '../helpers/broker.js';

const NOW = Date.parse('2026-11-01T12:00:00Z');

async function setup(t: { teardown(fn: () => void): void }, options: { logger?: pino.Logger; onReloaded?: () => void } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sts-reload-'));
  const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };
  for (const name of ['k8s.jwks.json', 'ticket-summarizer.jwks.json']) writeFileSync(join(dir, name), JSON.stringify({ keys: [jwk] }));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, stringify(basePolicy()));
  const load = () => loadPolicyFile(path, { nowMs: NOW });
  const first = await load();
  if (!first.compiled) throw new Error(formatProblems(first.problems));
  const holder = createPolicyHolder(first.compiled);
  const events: string[] = [];
  const waiting = new Set<() => void>();
  const reloader = createPolicyReloader({
    path, holder, load, format: formatProblems, logger: options.logger ?? pino({ level: 'silent' }), debounceMs: 20,
    onReloaded: () => { events.push('reloaded'); for (const wake of waiting) wake(); options.onReloaded?.(); },
    onRefused: () => events.push('refused'),
  });
  t.teardown(() => reloader.close());
  /** Resolves true when the watcher has put another policy in force, false after 10 s. */
  const reloadedByWatcher = (before: string) => new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => { waiting.delete(wake); clearTimeout(deadline); resolve(ok); };
    const wake = () => { if (holder.current().version !== before) done(true); };
    const deadline = setTimeout(() => done(false), 10_000);
    waiting.add(wake);
  });
  return { path, holder, reloader, events, reloadedByWatcher };
}

t.test('a valid new policy replaces the old one on reload (SIGHUP path)', async (t) => {
  const { path, holder, reloader, events } = await setup(t);
  const before = holder.current().version;
  const doc = basePolicy();
  (doc.owners as Array<Record<string, unknown>>).push({ id: 'team-new', contact: 'new@example.com', active: true });
  writeFileSync(path, stringify(doc));
  t.equal(await reloader.reload(), true);
  t.not(holder.current().version, before);
  t.ok(holder.current().ownersById.has('team-new'));
  t.ok(events.includes('reloaded'));
});

t.test('a policy with errors is refused and the old one stays in force', async (t) => {
  const { path, holder, reloader, events } = await setup(t);
  const before = holder.current().version;
  writeFileSync(path, readFileSync(path, 'utf8').replace('tier: read-only', 'tier: nonexistent'));
  t.equal(await reloader.reload(), false);
  t.equal(holder.current().version, before);
  t.same(events.filter((e) => e === 'refused').length >= 1, true);
});

t.test('a change of the file is picked up without a signal', async (t) => {
  const { path, holder, reloadedByWatcher } = await setup(t);
  const reloaded = reloadedByWatcher(holder.current().version);
  const doc = basePolicy();
  (doc.owners as Array<Record<string, unknown>>).push({ id: 'team-watch', contact: 'w@example.com', active: true });
  writeFileSync(path, stringify(doc));
  t.ok(await reloaded, 'reloaded by the file watcher');
  t.ok(holder.current().ownersById.has('team-watch'));
});

const OTHER_JWK = { kty: 'EC', crv: 'P-256', x: 'gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0', y: 'SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps', kid: 'k2' };

t.test('a changed jwks_file is a new policy on reload, though the policy file is unchanged', async (t) => {
  const { path, holder, reloader } = await setup(t);
  const before = holder.current();
  t.equal(await reloader.reload(), true);
  t.equal(holder.current(), before, 'nothing changed: the same policy stays');
  // The compromised issuer key is replaced by another one.
  writeFileSync(join(path, '..', 'k8s.jwks.json'), JSON.stringify({ keys: [OTHER_JWK] }));
  t.equal(await reloader.reload(), true);
  t.not(holder.current().version, before.version);
  t.same(holder.current().issuersByIss.get(holder.current().policy.issuers[0]!.issuer)?.jwks?.keys.map((k) => k.kid), ['k2'], 'the new key set is in force');
  // An agent's own key file too.
  const version = holder.current().version;
  writeFileSync(join(path, '..', 'ticket-summarizer.jwks.json'), JSON.stringify({ keys: [OTHER_JWK] }));
  t.equal(await reloader.reload(), true);
  t.not(holder.current().version, version);
});

t.test('a change of a jwks_file is picked up without a signal', async (t) => {
  const { path, holder, reloadedByWatcher } = await setup(t);
  const reloaded = reloadedByWatcher(holder.current().version);
  writeFileSync(join(path, '..', 'k8s.jwks.json'), JSON.stringify({ keys: [OTHER_JWK] }));
  t.ok(await reloaded, 'reloaded by the file watcher');
});

t.test('a closed reloader stays closed, even if a reload was running', async (t) => {
  const { path, holder, reloader } = await setup(t);
  const doc = basePolicy();
  (doc.owners as Array<Record<string, unknown>>).push({ id: 'team-late', contact: 'l@example.com', active: true });
  writeFileSync(path, stringify(doc));
  const running = reloader.reload();
  reloader.close();
  await running;
  const version = holder.current().version;
  // A watcher of our own on the same folder hears the change: the closed reloader's would have too.
  const heard = new Promise<void>((resolve) => {
    const sentinel = watch(dirname(path), () => { sentinel.close(); resolve(); });
  });
  (doc.owners as Array<Record<string, unknown>>).push({ id: 'team-later', contact: 'l2@example.com', active: true });
  writeFileSync(path, stringify(doc));
  await heard;
  // Past the reloader's debounce (20 ms), by a margin: a reload it had scheduled would have run.
  await new Promise((r) => setTimeout(r, 100));
  t.equal(holder.current().version, version, 'no watcher reloads after close');
  t.equal(await reloader.reload(), false, 'nor does an explicit reload');
});

t.test('an observer that throws (an unwritable audit trail) does not break reloading', async (t) => {
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  const { path, holder, reloader } = await setup(t, { logger, onReloaded: () => { throw new Error('audit trail write failed: ENOSPC'); } });
  const doc = basePolicy();
  (doc.owners as Array<Record<string, unknown>>).push({ id: 'team-x', contact: 'x@example.com', active: true });
  writeFileSync(path, stringify(doc));
  t.equal(await reloader.reload(), true, 'the reload stands');
  t.ok(holder.current().ownersById.has('team-x'));
  t.match(errors.join(''), /policy reload observer failed/);
});
