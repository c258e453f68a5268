/**
 * The live view of issuance and refusals: per-minute counts of token_issued and token_denied
 * records in the store's recent audit stream (shared by every instance), drawn as an SVG bar
 * chart. Pure: records in, buckets and markup out.
 */
import { html, type Html } from './html.js';

export interface ActivityBucket {
  startMs: number;
  issued: number;
  denied: number;
}

export interface ActivityWindow {
  buckets: ActivityBucket[];
  /** True when the stream held more records than one read returns: older buckets are undercounted. */
  truncated: boolean;
}

export const CHART_WINDOW_MS = 30 * 60_000;
const CHART_BUCKET_MS = 60_000;

export function bucketActivity(records: ReadonlyArray<{ atMs: number; event: string }>, nowMs: number, truncated: boolean): ActivityWindow {
  const count = CHART_WINDOW_MS / CHART_BUCKET_MS;
  const first = Math.floor(nowMs / CHART_BUCKET_MS) * CHART_BUCKET_MS - (count - 1) * CHART_BUCKET_MS;
  const buckets = Array.from({ length: count }, (_, i) => ({ startMs: first + i * CHART_BUCKET_MS, issued: 0, denied: 0 }));
  for (const r of records) {
    const i = Math.floor((r.atMs - first) / CHART_BUCKET_MS);
    const b = buckets[i];
    if (!b) continue;
    if (r.event === 'token_issued') b.issued++;
    else if (r.event === 'token_denied') b.denied++;
  }
  return { buckets, truncated };
}

const W = 600;
const H = 80;

/** The chart's markup (the console's script swaps in a fresh copy every few seconds). */
export function activityChart(window: ActivityWindow, src: string): Html {
  const max = Math.max(1, ...window.buckets.map((b) => b.issued + b.denied));
  const slot = W / window.buckets.length;
  const bars = window.buckets.map((b, i) => {
    const issuedH = (b.issued / max) * H;
    const deniedH = (b.denied / max) * H;
    const x = (i * slot + 1).toFixed(1);
    const w = Math.max(1, slot - 2).toFixed(1);
    const at = new Date(b.startMs).toISOString().slice(11, 16);
    return html`<g><title>${at} UTC: ${b.issued} issued, ${b.denied} refused</title>
<rect class="bar-issued" x="${x}" y="${(H - issuedH).toFixed(1)}" width="${w}" height="${issuedH.toFixed(1)}"></rect>
<rect class="bar-denied" x="${x}" y="${(H - issuedH - deniedH).toFixed(1)}" width="${w}" height="${deniedH.toFixed(1)}"></rect></g>`;
  });
  const issued = window.buckets.reduce((n, b) => n + b.issued, 0);
  const denied = window.buckets.reduce((n, b) => n + b.denied, 0);
  return html`<div id="live-activity" data-src="${src}" data-every="10000">
<div class="legend">Last 30 minutes, per minute, every instance:<span class="swatch issued"></span>${issued} issued<span class="swatch denied"></span>${denied} refused${window.truncated ? ' (busy: older minutes undercounted)' : ''}</div>
<svg viewBox="0 0 ${W} ${H + 2}" preserveAspectRatio="none" role="img" aria-label="tokens issued and refused per minute">
<line class="axis" x1="0" y1="${H + 1}" x2="${W}" y2="${H + 1}"></line>${bars}</svg>
</div>`;
}
