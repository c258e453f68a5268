/** The live inventory as CSV (RFC 4180, CRLF records), safe to open in a spreadsheet. */
import { formatCsv } from '../tabular/index.js';
import type { LiveInventoryRow } from './live-inventory.js';

const COLUMNS = [
  'id', 'owner', 'owner_active', 'tier', 'state', 'blocked_by', 'orphaned', 'review_due_at', 'review_overdue', 'review_due_soon',
  'intents', 'audiences', 'credential_kinds', 'issuers', 'created_by', 'approved_by', 'reviewed_at',
  'suspended_at', 'suspended_by', 'suspension_reason', 'last_seen_at', 'issued_24h', 'denied_24h', 'acts_for_people', 'people_24h',
] as const;

type Column = (typeof COLUMNS)[number];

function value(row: LiveInventoryRow, column: Column): unknown {
  switch (column) {
    case 'suspended_at':
      return row.suspension?.at ?? null;
    case 'suspended_by':
      return row.suspension?.by ?? null;
    case 'suspension_reason':
      return row.suspension?.reason ?? null;
    default:
      return row[column];
  }
}

export function inventoryCsv(rows: readonly LiveInventoryRow[]): string {
  return formatCsv(COLUMNS, rows.map((row) => COLUMNS.map((c) => value(row, c))));
}
