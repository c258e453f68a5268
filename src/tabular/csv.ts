/**
 * CSV (RFC 4180) that is safe to open in a spreadsheet: the one writer behind every CSV the
 * broker and the CLI produce (the inventory, the live inventory, the credential audit).
 */

/** OWASP "CSV Injection": a cell starting with one of these is read as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Characters that end or split a cell somewhere: RFC 4180 §2 names the comma, the quote and
 * line breaks, but spreadsheets in many locales split on `;` (and a paste splits on tabs), so
 * an unquoted `x;-2+3` would become a second cell starting with `-`, a formula. OWASP "CSV
 * Injection" asks for every such cell to be quoted.
 */
const NEEDS_QUOTES = /[",;\t\r\n]/;

/**
 * A cell a spreadsheet would read as a formula is prefixed with a quote so it stays text; then
 * a cell holding a separator, quote or line break is enclosed in double quotes, inner quotes
 * doubled (RFC 4180 §2).
 */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A value as one CSV cell: empty for null, `a;b` for a list (quoted by csvField), JSON for an object. */
export function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(csvText).join(';');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A header line and one record per row; RFC 4180 §2: every record ends with CRLF. */
export function formatCsv(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const lines = [headers.map(csvField), ...rows.map((row) => row.map((v) => csvField(csvText(v))))];
  return lines.map((fields) => fields.join(',')).join('\r\n') + '\r\n';
}

/** Records with the named columns, in that order (the column names are the header). */
export function formatRecordsCsv<K extends string>(columns: readonly K[], records: ReadonlyArray<Readonly<Record<K, unknown>>>): string {
  return formatCsv(columns, records.map((r) => columns.map((c) => r[c])));
}
