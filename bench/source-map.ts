/**
 * Maps a position in dist/*.js back to src/*.ts with the compiler's source map (a minimal
 * VLQ decoder: enough for tsc's maps, one source per file), so profile lines name src files.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

type Segment = [genCol: number, srcIdx: number, srcLine: number, srcCol: number];
interface Decoded {
  sources: string[];
  lines: Segment[][];
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

function decode(mapPath: string): Decoded | undefined {
  let raw: { sources: string[]; mappings: string; sourceRoot?: string };
  try {
    raw = JSON.parse(readFileSync(mapPath, 'utf8')) as typeof raw;
  } catch {
    return undefined;
  }
  const base = dirname(mapPath);
  const sources = raw.sources.map((s) => resolve(base, raw.sourceRoot ?? '', s));
  const lines: Segment[][] = [];
  let srcIdx = 0;
  let srcLine = 0;
  let srcCol = 0;
  for (const line of raw.mappings.split(';')) {
    let genCol = 0;
    const segs: Segment[] = [];
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      genCol += v[0] ?? 0;
      if (v.length >= 4) {
        srcIdx += v[1] as number;
        srcLine += v[2] as number;
        srcCol += v[3] as number;
        segs.push([genCol, srcIdx, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  return { sources, lines };
}

const cache = new Map<string, Decoded | undefined>();

/** `src/x.ts:LINE` (1-based) for a 0-based dist position, or undefined when unmapped. */
export function mapToSource(jsPath: string, line0: number, col0: number, root: string): string | undefined {
  if (!cache.has(jsPath)) cache.set(jsPath, decode(`${jsPath}.map`));
  const map = cache.get(jsPath);
  const segs = map?.lines[line0];
  if (!map || !segs || segs.length === 0) return undefined;
  let best = segs[0] as Segment;
  for (const s of segs) if (s[0] <= col0) best = s;
  return `${relative(root, map.sources[best[1]] as string)}:${best[2] + 1}`;
}
