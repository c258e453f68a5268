/** Renders inventory rows as an aligned table, JSON, or CSV (RFC 4180), with the one CSV writer and table printer. */
import { formatRecordsCsv, formatTable } from '../tabular/index.js';
import type { InventoryRow } from './inventory.js';

export type InventoryFormat = 'table' | 'json' | 'csv';

const COLUMNS: ReadonlyArray<keyof InventoryRow> = [
  'id', 'owner', 'owner_active', 'tier', 'status', 'state', 'blocked_by', 'orphaned', 'created_by', 'approved_by',
  'reviewed_at', 'review_due_at', 'review_overdue', 'review_due_soon', 'intents', 'audiences',
  'credential_kinds', 'issuers',
];
const TABLE_COLUMNS: ReadonlyArray<keyof InventoryRow> = [
  'id', 'owner', 'tier', 'state', 'blocked_by', 'orphaned', 'review_due_at', 'review_overdue', 'review_due_soon', 'intents', 'credential_kinds',
];

export function formatInventory(rows: readonly InventoryRow[], format: InventoryFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return formatRecordsCsv(COLUMNS, rows);
  return formatTable(
    TABLE_COLUMNS,
    rows.map((row) => TABLE_COLUMNS.map((c) => (c === 'review_due_at' ? row.review_due_at.slice(0, 10) : row[c]))),
  );
}
