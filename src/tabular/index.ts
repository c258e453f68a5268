/** Tabular output: CSV for spreadsheets and aligned text tables for terminals. */
export { csvField, formatCsv, formatRecordsCsv } from './csv.js';
export { formatFields, formatTable, keyValueText } from './table.js';
