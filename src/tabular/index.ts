/** Tabular output: CSV for spreadsheets and aligned text tables for terminals. */
export { csvField, csvText, formatCsv, formatRecordsCsv } from './csv.js';
export { cellText, formatFields, formatTable, keyValueText } from './table.js';
