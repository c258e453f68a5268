// agent-sts console: progressive enhancement only (every page works without it).
// Served from 'self' under a strict Content-Security-Policy: no inline script, no eval.
'use strict';

// Instant filter of the inventory table while typing (the form's submit filters server-side).
function enableInstantSearch() {
  const input = document.getElementById('filter-q');
  const table = document.getElementById('inventory');
  if (!input || !table) return;
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase();
    for (const row of table.tBodies[0].rows) {
      row.hidden = q !== '' && !(row.dataset.search || '').includes(q);
    }
  });
}

// The live chart of issuance and refusals: the server renders it; this fetches a fresh one.
function enableLiveChart() {
  const holder = document.getElementById('live-activity');
  if (!holder || !holder.dataset.src) return;
  const refresh = async () => {
    try {
      const response = await fetch(holder.dataset.src, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (response.ok) {
        const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = doc.getElementById('live-activity');
        if (fresh) holder.replaceChildren(...fresh.childNodes);
        holder.classList.remove('stale');
      } else {
        holder.classList.add('stale');
      }
    } catch {
      holder.classList.add('stale');
    }
  };
  setInterval(refresh, Number(holder.dataset.every || 10000));
}

// Reason length left, on the confirmation page.
function enableReasonCounter() {
  const reason = document.getElementById('reason');
  const left = document.getElementById('reason-left');
  if (!reason || !left) return;
  const update = () => { left.textContent = String(reason.maxLength - reason.value.length); };
  reason.addEventListener('input', update);
  update();
}

document.addEventListener('DOMContentLoaded', () => {
  enableInstantSearch();
  enableLiveChart();
  enableReasonCounter();
});
