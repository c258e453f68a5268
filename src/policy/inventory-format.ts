/** Renders inventory rows as an aligned table, JSON, or CSV (RFC 4180). */
import type { InventoryRow } from './inventory.js';

export type InventoryFormat = 'table' | 'json' | 'csv';

const COLUMNS: ReadonlyArray<keyof InventoryRow> = [
  'id', 'owner', 'owner_active', 'tier', 'status', 'state', 'orphaned', 'created_by', 'approved_by',
  'reviewed_at', 'review_due_at', 'review_overdue', 'review_due_soon', 'intents', 'audiences',
  'credential_kinds', 'issuers',
];
const TABLE_COLUMNS: ReadonlyArray<keyof InventoryRow> = [
  'id', 'owner', 'tier', 'state', 'orphaned', 'review_due_at', 'review_overdue', 'review_due_soon', 'intents', 'credential_kinds',
];

export function formatInventory(rows: readonly InventoryRow[], format: InventoryFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return formatCsv(rows);
  return formatTable(rows);
}

function cell(value: InventoryRow[keyof InventoryRow]): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join(';');
  return String(value);
}

function formatCsv(rows: readonly InventoryRow[]): string {
  const lines = [COLUMNS.map(csvField), ...rows.map((row) => COLUMNS.map((c) => csvField(cell(row[c]))))];
  // RFC 4180 §2: records end with CRLF.
  return lines.map((fields) => fields.join(',')).join('\r\n') + '\r\n';
}

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

function formatTable(rows: readonly InventoryRow[]): string {
  const data = [TABLE_COLUMNS.map(String), ...rows.map((row) => TABLE_COLUMNS.map((c) => tableCell(row, c)))];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...data.map((r) => (r[i] ?? '').length)));
  const lines = data.map((r) => r.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  return `${lines.join('\n')}\n`;
}

function tableCell(row: InventoryRow, column: keyof InventoryRow): string {
  const text = column === 'review_due_at' ? row.review_due_at.slice(0, 10) : cell(row[column]);
  // Control characters would let a policy value rewrite the operator's terminal.
  return (text === '' ? '-' : text).replace(/[\u0000-\u001f\u007f]/g, '?');
}
