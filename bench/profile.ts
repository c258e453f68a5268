/**
 * Reads a V8 .cpuprofile and ranks functions by self time (samples x time deltas), and
 * groups the same time by area (a src/ folder, a node_modules package, node internals, GC).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mapToSource } from './source-map.js';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  where: string;
  self_ms: number;
  percent: number;
}

function locate(frame: ProfileNode['callFrame'], root: string): string {
  if (!frame.url) return '(native)';
  if (frame.url.startsWith('file://')) {
    const path = fileURLToPath(frame.url);
    if (path.startsWith(`${root}/dist/`) && frame.lineNumber >= 0) {
      return mapToSource(path, frame.lineNumber, frame.columnNumber, root) ?? `${path.slice(root.length + 1)}:${frame.lineNumber + 1}`;
    }
    return `${path.startsWith(root) ? path.slice(root.length + 1) : path}:${frame.lineNumber + 1}`;
  }
  return `${frame.url}:${frame.lineNumber + 1}`;
}

function area(where: string, name: string): string {
  if (name === '(garbage collector)' || name === '(program)' || name === '(idle)') return name;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (pkg) return `node_modules/${pkg[1]}`;
  const src = /^src\/([^/:]+)(\/|:)/.exec(where);
  if (src) return src[2] === '/' ? `src/${src[1]}/` : `src/${src[1]}`;
  if (where.startsWith('node:')) return `node:${where.slice(5).split('/')[0]?.split(':')[0]}`;
  return '(native)';
}

export interface ProfileAnalysis {
  functions: HotSpot[];
  areas: HotSpot[];
  /** Self time charged to the nearest broker (src/) frame on the stack: who causes the cost. */
  src_callers: HotSpot[];
  total_ms: number;
}

export function analyseProfile(path: string, root: string, top = 10): ProfileAnalysis {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const srcCaller = (id: number): string => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      if (frame.url.includes(`${root}/dist/`)) return `${frame.functionName || '(anonymous)'}@${locate(frame, root)}`;
    }
    return '(no broker frame: fastify/node/GC)@';
  };
  const callers = new Map<string, number>();
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    totalUs += us;
    const where = locate(frame, root);
    const key = `${name}@${where}`;
    const entry = fn.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const a = area(where, name);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const caller = srcCaller(id);
    callers.set(caller, (callers.get(caller) ?? 0) + us);
  }
  const rank = (list: Array<{ name: string; where: string; us: number }>) =>
    list.sort((a, b) => b.us - a.us).slice(0, top).map((e) => ({
      name: e.name, where: e.where, self_ms: Math.round(e.us / 1000), percent: Math.round((e.us / totalUs) * 1000) / 10,
    }));
  return {
    functions: rank([...fn.values()]),
    areas: rank([...areas].map(([name, us]) => ({ name, where: '', us }))),
    src_callers: rank([...callers].map(([key, us]) => {
      const at = key.lastIndexOf('@');
      return { name: key.slice(0, at), where: key.slice(at + 1), us };
    })),
    total_ms: Math.round(totalUs / 1000),
  };
}
