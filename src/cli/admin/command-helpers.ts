/** Small pieces the admin commands share: flag checks (before any request) and rendering an action's reply. */
import { formatFields } from '../../tabular/index.js';
import { UsageError } from '../cli-error.js';

export type Values = Record<string, string | boolean | undefined>;
export type Row = Record<string, unknown>;

const MAX_REASON = 500;
const MAX_ID = 256;

export function checkReason(value: unknown, isRequired: boolean): void {
  if (value === undefined && !isRequired) return;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError('--reason TEXT is required');
  if (value.length > MAX_REASON) throw new UsageError(`--reason: at most ${MAX_REASON} characters`);
}

export function checkId(value: string | undefined, what: string): void {
  if (!value || value.length > MAX_ID) throw new UsageError(`${what}: 1 to ${MAX_ID} characters`);
}

export function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const path = (id: string): string => encodeURIComponent(id);

export function actionText(data: unknown): string {
  const r = data as Row;
  const lines = formatFields(Object.entries(r).map(([k, v]) => [k, v] as const));
  return r.audited === false ? `${lines}WARNING: applied, but the audit trail could not be written\n` : lines;
}
