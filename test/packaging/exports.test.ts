/**
 * The package as others consume it: the three subpath exports point at built JS with its
 * declarations, the libraries behind them reach no broker internals (they run inside agents
 * and APIs and talk to the broker over HTTP only), and the image's HEALTHCHECK works without
 * curl against a real broker.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { listeningBroker } from '../helpers/listening-broker.js';
import { freePort } from '../helpers/redis.js';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  private?: boolean; exports: Record<string, { types: string; default: string } | string>; engines: { node: string };
};
const LIBRARIES: Record<string, string> = { './client': 'client', './verifier': 'verifier', './fastify': 'fastify-plugin' };
/**
 * What a library may reach: its own folders, the shared HTTP/discovery code, and the two pure
 * folders shared with the broker: DPoP proofs (made by clients, checked by APIs) and JWS reading.
 */
const LIBRARY_FOLDERS = ['client', 'verifier', 'fastify-plugin', 'discovery', 'dpop', 'jws'];
/** The shared pure folders reach nothing of the broker but each other. */
const SHARED_FOLDERS = ['dpop', 'jws'];
const LIBRARY_PACKAGES = ['jose', 'fastify'];

t.test('subpath exports: built JS and declarations, from a library folder each', async (t) => {
  t.notOk(pkg.private, 'publishable');
  t.equal(pkg.engines.node, '>=20.12', 'node:crypto hash() is there from 20.12');
  for (const [subpath, folder] of Object.entries(LIBRARIES)) {
    t.same(pkg.exports[subpath], { types: `./dist/${folder}/index.d.ts`, default: `./dist/${folder}/index.js` }, subpath);
    t.ok(existsSync(join(ROOT, 'src', folder, 'index.ts')), `src/${folder}/index.ts exists`);
  }
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { declaration: boolean } };
  t.equal(tsconfig.compilerOptions.declaration, true, 'the build emits .d.ts');
});

/** Every module reachable from the entry points (relative to src/), and the packages they import. */
function reachable(entries: readonly string[]): { modules: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (!specifier) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('node:') ? 'node:' : specifier.split('/')[0] as string);
    }
  };
  for (const folder of entries) visit(join(ROOT, 'src', folder, 'index.ts'));
  return { modules: [...seen].map((file) => relative(join(ROOT, 'src'), file)), packages };
}

const outsideOf = (modules: string[], folders: readonly string[]) => modules.filter((file) => !folders.includes(file.split('/')[0] as string));

t.test('the libraries import no broker internals', async (t) => {
  const { modules, packages } = reachable(Object.values(LIBRARIES));
  t.same(outsideOf(modules, LIBRARY_FOLDERS), [], `every module reached is in ${LIBRARY_FOLDERS.join('/, ')}/`);
  t.same([...packages].filter((p) => p !== 'node:' && !LIBRARY_PACKAGES.includes(p)), [], `packages: ${[...packages].join(', ')}`);
  t.ok(modules.length > 15, `${modules.length} modules checked`);
  t.ok(modules.some((file) => file.startsWith('dpop/')) && modules.some((file) => file.startsWith('jws/')), 'the DPoP and JWS code is the broker\'s own, not a copy');
});

t.test('the folders shared with the broker reach nothing else of it', async (t) => {
  const { modules, packages } = reachable(SHARED_FOLDERS);
  t.same(outsideOf(modules, SHARED_FOLDERS), [], 'dpop/ and jws/ import only each other');
  t.same([...packages].filter((p) => p !== 'node:' && p !== 'jose'), [], `packages: ${[...packages].join(', ')}`);
});

t.test('the built package resolves by its own name', { skip: !existsSync(join(ROOT, 'dist/client/index.d.ts')) && 'dist/ is not built (npm run build)' }, async (t) => {
  const client = await import('agent-sts/client');
  const verifier = await import('agent-sts/verifier');
  const plugin = await import('agent-sts/fastify');
  t.type(client.createTokenClient, 'function');
  t.type(verifier.createVerifier, 'function');
  t.type(plugin.agentStsPlugin, 'function');
  for (const folder of Object.values(LIBRARIES)) t.ok(existsSync(join(ROOT, 'dist', folder, 'index.d.ts')), `dist/${folder}/index.d.ts`);
});

t.test('the packed package holds what the installed broker reads at run time', async (t) => {
  const listing = await new Promise<string>((done, fail) => {
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, timeout: 60_000 }, (error, stdout) => (error ? fail(error) : done(stdout)));
  });
  const files = new Set((JSON.parse(listing) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path));
  // The console's page assets are read from beside dist/ (src/console/assets.ts): without them `agent-sts serve` cannot start.
  for (const asset of readdirSync(join(ROOT, 'assets/console'))) t.ok(files.has(`assets/console/${asset}`), `assets/console/${asset} is packed`);
  t.ok(files.has('config/policy.yaml'), 'the sample policy is packed');
});

t.test('the Dockerfile: current LTS, a HEALTHCHECK that works without curl, a .dockerignore', async (t) => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const bases = [...dockerfile.matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
  t.ok(bases.length === 2 && bases.every((major) => major === bases[0] && major % 2 === 0 && major > 20), `both stages on one even (LTS) major above 20: ${bases.join(', ')}`);
  const command = /^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  t.ok(command, 'a HEALTHCHECK in exec form');
  const [program, flag, script] = JSON.parse(command as string) as string[];
  t.same([program, flag], ['node', '-e']);

  const broker = await listeningBroker();
  t.teardown(broker.close);
  const run = (port: number) => new Promise<number | null>((done) => {
    execFile(process.execPath, ['-e', script as string], { env: { ...process.env, STS_PORT: String(port) }, timeout: 10_000 },
      (error) => done(error ? (typeof error.code === 'number' ? error.code : null) : 0));
  });
  t.equal(await run(broker.port), 0, 'healthy against a running broker');
  t.equal(await run(await freePort()), 1, 'unhealthy when nothing answers');

  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
  for (const entry of ['node_modules', 'config/dev', '.git', 'dist']) t.ok(ignored.includes(entry), `.dockerignore has ${entry}`);
});
