/**
 * Aligned text tables for a terminal: the one printer behind every table the CLI shows.
 * Control characters are neutralised, so a policy value or an audit record cannot rewrite
 * the operator's terminal (escape sequences).
 */

export function cellText(value: unknown): string {
  let text: string;
  if (value === null || value === undefined || value === '') text = '-';
  else if (Array.isArray(value)) text = value.length === 0 ? '-' : value.map(String).join(',');
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return `${cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

/** `key  value` lines for one record. */
export function formatFields(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return `${fields.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`).join('\n')}\n`;
}

/** `key=value` pairs on one line (objects as JSON), without the skipped keys and empty values: an audit record's details. */
export function keyValueText(data: Readonly<Record<string, unknown>>, skip: readonly string[] = []): string {
  return Object.entries(data)
    .filter(([k, v]) => !skip.includes(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}
