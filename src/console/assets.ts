/**
 * The console's script, stylesheet and icon: plain files in assets/console (no build step), read
 * once at start and served from 'self' under content-hashed names, so the strict
 * Content-Security-Policy needs no 'unsafe-inline' and a cached copy is never stale. Pages
 * also pin them with Subresource Integrity.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Asset {
  /** `console.<hash>.js`: the URL path segment under /console/assets/. */
  name: string;
  type: string;
  body: Buffer;
  /** `sha384-...` for the integrity attribute. */
  integrity: string;
}

export interface ConsoleAssets {
  script: Asset;
  style: Asset;
  /** The tab icon: without it, every page load asks for /favicon.ico and gets a 404. */
  icon: Asset;
  byName: ReadonlyMap<string, Asset>;
}

/** assets/console sits two folders above both src/console and dist/console. */
const FOLDER = new URL('../../assets/console/', import.meta.url);

function load(file: string, type: string): Asset {
  const body = readFileSync(new URL(file, FOLDER));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const dot = file.lastIndexOf('.');
  return {
    name: `${file.slice(0, dot)}.${hash}${file.slice(dot)}`,
    type,
    body,
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

export function loadConsoleAssets(): ConsoleAssets {
  const script = load('console.js', 'text/javascript; charset=utf-8');
  const style = load('console.css', 'text/css; charset=utf-8');
  const icon = load('favicon.svg', 'image/svg+xml');
  return { script, style, icon, byName: new Map([script, style, icon].map((asset) => [asset.name, asset])) };
}
