import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { watchPointsOf } from '../../src/policy/watch-points.js';

// The real path: the temp folder may itself be reached through a link (macOS /tmp).
const root = realpathSync(mkdtempSync(join(tmpdir(), 'sts-watch-points-')));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
// A Kubernetes volume: mount/keys -> ..data/keys, ..data -> ..v1 (a relative link in a link's target).
mkdirSync(join(root, 'mount', '..v1', 'keys'), { recursive: true });
writeFileSync(join(root, 'mount', '..v1', 'keys', 'k.json'), '{}');
symlinkSync('..v1', join(root, 'mount', '..data'));
symlinkSync('..data/keys', join(root, 'mount', 'keys'));
// An absolute link to a folder, and one whose target goes up.
symlinkSync(join(root, 'mount'), join(root, 'abs'));
mkdirSync(join(root, 'plain'));
writeFileSync(join(root, 'plain', 'f.json'), '{}');
symlinkSync('../plain/f.json', join(root, 'mount', 'up.json'));
symlinkSync('loop-b', join(root, 'loop-a'));
symlinkSync('loop-a', join(root, 'loop-b'));

const cases: Array<{ name: string; path: string; want: Array<[string, string]> }> = [
  { name: 'a plain file: its own name in its folder', path: join(root, 'plain', 'f.json'), want: [['plain', 'f.json']] },
  {
    name: 'every link on the way, then the file in its real folder',
    path: join(root, 'mount', 'keys', 'k.json'),
    want: [['mount', 'keys'], ['mount', '..data'], ['mount/..v1/keys', 'k.json']],
  },
  {
    name: 'an absolute link, then the relative ones',
    path: join(root, 'abs', 'keys', 'k.json'),
    want: [['', 'abs'], ['mount', 'keys'], ['mount', '..data'], ['mount/..v1/keys', 'k.json']],
  },
  { name: 'a link whose target goes up', path: join(root, 'mount', 'up.json'), want: [['mount', 'up.json'], ['plain', 'f.json']] },
  { name: 'a missing folder: its name in the nearest existing folder', path: join(root, 'later', 'sub', 'f.json'), want: [['', 'later']] },
  { name: 'a missing file', path: join(root, 'plain', 'g.json'), want: [['plain', 'g.json']] },
];
for (const c of cases) {
  t.test(c.name, async (t) => {
    t.same(watchPointsOf(c.path), c.want.map(([dir, name]) => ({ dir: join(root, dir), name })));
  });
}

t.test('a link loop ends (ELOOP), naming the links it went through', async (t) => {
  const points = watchPointsOf(join(root, 'loop-a', 'f.json'));
  t.ok(points.length > 1 && points.length <= 41, `${points.length} points`);
  t.ok(points.every((p) => p.dir === root && (p.name === 'loop-a' || p.name === 'loop-b')));
});
