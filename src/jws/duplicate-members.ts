/**
 * Duplicate member names in JSON text. JSON.parse keeps the last of two equal names, and
 * another parser may keep the first: a JWS whose header or claims say two things is read
 * differently by different verifiers. RFC 7515 §4 and RFC 7519 §4 let a parser either
 * reject such a JWS or take the last value; this broker rejects it (I-JSON, RFC 7493 §2.3).
 *
 * It runs on text JSON.parse has already accepted, next to the parsed value. The common case
 * (no repeat) costs a count: the members in the text against the keys JSON.parse kept, which
 * are fewer exactly when a name repeated. Only then is the text scanned to name the repeat,
 * comparing names as JSON.parse reads them: "a" and "\u0061" are the same name.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The index of the quote closing the string that opens at `start` (the text's end if none). */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  // A quote preceded by an odd run of backslashes is escaped: keep looking.
  for (;;) {
    if (end < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** A member name as JSON.parse reads it; the escape-free common case is a plain slice. */
function memberName(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end + 1)) as string) : raw;
}

/** Members written in the text: the colons outside strings. */
function countMembers(text: string): number {
  let members = 0;
  let from = 0;
  for (;;) {
    const quote = text.indexOf('"', from);
    const stop = quote < 0 ? text.length : quote;
    for (let i = from; i < stop; i++) if (text.charCodeAt(i) === COLON) members++;
    if (quote < 0) return members;
    from = closingQuote(text, quote) + 1;
  }
}

/**
 * Own keys of every object in a parsed value (Object.keys: nothing inherited counts). A loop,
 * not recursion: 16 KiB of brackets nest deeper than the call stack goes.
 */
function countKeys(root: unknown): number {
  let keys = 0;
  const pending: object[] = typeof root === 'object' && root !== null ? [root] : [];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) keys += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return keys;
}

/** The first name that appears twice in one object of the text, at any depth. */
function scanForRepeat(text: string): string | undefined {
  // One entry per open container: the names seen so far, or null for an array.
  const open: Array<Set<string> | null> = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      const names = open[open.length - 1];
      if (expectName && names) {
        const name = memberName(text, i, end);
        if (names.has(name)) return name;
        names.add(name);
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.push(new Set());
      expectName = true;
    } else if (c === OPEN_ARRAY) {
      open.push(null);
      expectName = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      expectName = false;
    } else if (c === COMMA) {
      expectName = open[open.length - 1] != null;
    } else if (c === COLON) {
      expectName = false;
    }
  }
  return undefined;
}

/**
 * The first member name that appears twice in one object (at any depth), or undefined.
 * `parsed` is what JSON.parse returned for `text`.
 */
export function findDuplicateMember(text: string, parsed: unknown): string | undefined {
  if (countMembers(text) === countKeys(parsed)) return undefined;
  // Fewer keys than members means a repeat; should the scan not name it, refuse all the same.
  return scanForRepeat(text) ?? '(unidentified)';
}
