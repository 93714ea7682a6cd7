// Live delivery catching up (issue #12): the hub sends {"type":"stale",
// ticket} while events of a watched ticket may have been missed, and
// {"type":"fresh", ticket} once they have been sent. The console keeps the
// set of stale tickets and says so next to the connection status.
import { html } from 'htm/preact';
import { t } from './i18n.js';

/** The stale set after frame f ("stale" or "fresh"). */
export function staleAfter(stale, f) {
  const next = { ...(stale || {}) };
  if (typeof f.ticket !== 'string') return next;
  if (f.type === 'stale') next[f.ticket] = true;
  else delete next[f.ticket];
  return next;
}

/** A status line while the open ticket (or any watched one) is catching up. */
export function StaleNote({ s }) {
  const refs = Object.keys(s.stale || {});
  if (!refs.length || s.conn?.state !== 'online') return null;
  const cur = s.current?.ref;
  const text = cur && s.stale[cur] ? t('conn.staleTicket', { ref: cur }) : t('conn.stale');
  return html`<div class="conn conn-stale" role="status" aria-live="polite" data-stale=${refs.join(' ')}>
    <span class="conn-text">${text}</span></div>`;
}
