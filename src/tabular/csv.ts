/**
 * CSV (RFC 4180) that is safe to open in a spreadsheet: the one writer behind every CSV the
 * broker and the CLI produce (the inventory, the live inventory, the credential audit).
 */

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, or a leading tab/CR) is
 * prefixed with a quote so it stays text (OWASP "CSV injection"); then RFC 4180 §2
 * quoting: fields with a comma, quote or line break are enclosed in double quotes and
 * inner quotes doubled.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A value as one CSV cell: empty for null, `a;b` for a list, JSON for an object. */
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
