/** Counts the broker's audit events by event and denial reason (a run's sanity check). */
import { readFileSync } from 'node:fs';

export function summariseAudit(path: string): Record<string, number> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as { event?: string; reason?: string };
      const key = entry.reason ? `${entry.event}:${entry.reason}` : String(entry.event);
      counts[key] = (counts[key] ?? 0) + 1;
    } catch {
      counts['(unparsable)'] = (counts['(unparsable)'] ?? 0) + 1;
    }
  }
  return counts;
}
