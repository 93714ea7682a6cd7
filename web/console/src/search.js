// Search: the box in the top bar and the results screen (GET /api/v1/search?q=).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { t, tn, statusLabel, formatTime, formatFull } from './i18n.js';
import { runSearch, openFromElsewhere } from './store.js';
import { formatRef } from './util.js';
import { ChannelBadge, StatusPill } from './widgets.js';

export function SearchBox({ s }) {
  // The box owns its text; it starts from the last query when it mounts. No
  // effect copies s.searchQuery back: it ran after paint and overwrote what
  // was typed right after Enter.
  const [q, setQ] = useState(s.searchQuery || '');
  function submit(e) {
    e.preventDefault();
    runSearch(q);
  }
  return html`
    <form class="searchbox" role="search" onSubmit=${submit}>
      <label class="sr" for="search-q">${t('search.label')}</label>
      <input id="search-q" type="search" value=${q} placeholder=${t('search.placeholder')} autocomplete="off" spellcheck="false"
        aria-keyshortcuts="/" onInput=${(e) => setQ(e.currentTarget.value)}
        onKeyDown=${(e) => { if (e.key === 'Escape') { e.stopPropagation(); e.currentTarget.blur(); } }} />
      <button type="submit" class="btn sm" aria-label=${t('search.go')} title=${t('search.go')}><span aria-hidden="true">⌕</span></button>
    </form>`;
}

export function SearchResults({ s }) {
  const r = s.search;
  const list = r.results || [];
  let status = '';
  if (r.loading) status = t('search.loading');
  else if (r.results) status = list.length ? tn('search.count', list.length, { q: r.q }) : t('search.none', { q: r.q });
  return html`
    <section class="screen search" aria-labelledby="search-title">
      <div class="screen-head">
        <h2 id="search-title">${t('search.title')}</h2>
        <span class="muted small" role="status" aria-live="polite" data-search-status>${status}</span>
      </div>
      ${r.error && html`<p class="field-error" role="alert">${r.error}</p>`}
      ${!r.q && !r.error && html`<p class="muted">${t('search.hint')}</p>`}
      ${list.length > 0 && html`
        <ul class="results" aria-label=${t('search.title')}>
          ${list.map((tk) => html`
            <li key=${tk.ref}>
              <button type="button" class="result" data-ref=${tk.ref} onClick=${() => openFromElsewhere(tk.ref)}
                aria-label=${`${t('search.open', { ref: formatRef(tk.ref) })}, ${tk.name || ''}, ${statusLabel(tk.status)}`}>
                <span class="r-row">
                  <span class="r-name">${tk.name || formatRef(tk.ref)}</span>
                  <span class="r-ref">${formatRef(tk.ref)}</span>
                  <${StatusPill} status=${tk.status} />
                  <${ChannelBadge} ch=${tk.last_channel || tk.channel} />
                  ${tk.assignee && html`<span class="muted small">${t('queue.assignedTo', { name: tk.assignee })}</span>`}
                  <time class="r-time muted small" title=${formatFull(tk.updated_at)}>${t('search.updated', { t: formatTime(tk.updated_at) })}</time>
                </span>
                <span class="r-text">${tk.last_role === 'customer' ? '' : '↩ '}${tk.last_text || ''}</span>
              </button>
            </li>`)}
        </ul>`}
    </section>`;
}
