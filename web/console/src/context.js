import { html } from 'htm/preact';
import { t, tn, formatTime, formatFull, statusLabel } from './i18n.js';
import { openFromElsewhere } from './store.js';
import { formatRef } from './util.js';
import { ChannelBadge, StatusPill } from './widgets.js';
import { CustomerMerge } from './customer-merge.js';
import { HeldJoins } from './holds.js';

export function ContextCard({ s }) {
  const c = s.current;
  if (!c || c.error) return html`<aside class="context" aria-label=${t('context.title')}></aside>`;
  const cu = c.customer || {};
  const tk = c.ticket || {};
  const counts = new Map();
  for (const ev of c.events) {
    // what the customer used to reach us, not what we answered on
    if (ev.kind !== 'message' || (ev.author?.role || 'customer') !== 'customer') continue;
    if (!ev.channel || ev.channel === 'system') continue;
    counts.set(ev.channel, (counts.get(ev.channel) || 0) + 1);
  }
  const words = c.events.filter((ev) => ev.kind === 'message' && (ev.author?.role || 'customer') === 'customer');
  const last = words[words.length - 1];
  // where the customer last wrote from (the widget sends page and browser)
  const from = [...words].reverse().find((ev) => typeof ev.page === 'string' || typeof ev.browser === 'string');
  const page = typeof from?.page === 'string' && /^https?:\/\//.test(from.page) ? from.page : '';
  const browser = typeof from?.browser === 'string' ? from.browser : '';
  const ids = Array.isArray(cu.identities) ? cu.identities : [];
  const others = (Array.isArray(cu.tickets) ? cu.tickets : []).filter((x) => x && x.ref && x.ref !== c.ref);
  return html`
    <aside class="context" aria-labelledby="context-title" tabindex="0">
      <h2 id="context-title" class="pane-title">${t('context.title')}</h2>
      <dl class="facts">
        <dt>${t('context.name')}</dt><dd>${cu.name || tk.name || t('context.none')}</dd>
        <dt>${t('context.email')}</dt><dd class="break">${cu.email || t('context.none')}</dd>
        <dt>${t('context.identities')}</dt>
        <dd>${ids.length ? html`<ul class="chips">${ids.map((id) => html`<li>${String(id)}</li>`)}</ul>` : t('context.none')}</dd>
        <dt>${t('context.ticket')}</dt><dd>${formatRef(tk.ref || c.ref)}</dd>
        <dt>${t('context.created')}</dt><dd title=${formatFull(tk.created_at)}>${tk.created_at ? formatTime(tk.created_at) : t('context.none')}</dd>
        <dt>${t('context.firstResponse')}</dt><dd>${tk.first_response_at ? formatTime(tk.first_response_at) : t('context.notYet')}</dd>
        ${tk.locale && html`<dt>${t('context.language')}</dt><dd>${tk.locale}</dd>`}
        ${page && html`<dt>${t('context.page')}</dt><dd class="break" data-page>
          <a href=${page} target="_blank" rel="noopener noreferrer nofollow" title=${page}>${shortPage(page)}</a></dd>`}
        ${browser && html`<dt>${t('context.browser')}</dt><dd data-browser>${browser}</dd>`}
      </dl>
      <h3 class="pane-sub" id="other-tickets-title">${t('context.otherTickets')}</h3>
      ${others.length
        ? html`<ul class="others" aria-labelledby="other-tickets-title">${others.map((o) => html`
            <li key=${o.ref}>
              <button type="button" class="other" data-ref=${o.ref} onClick=${() => openFromElsewhere(o.ref)}
                aria-label=${t('context.openOther', { ref: formatRef(o.ref), status: statusLabel(o.status) })}>
                <span class="o-row"><span class="o-ref">${formatRef(o.ref)}</span><${StatusPill} status=${o.status} />
                  <${ChannelBadge} ch=${o.last_channel || o.channel} />
                  <time class="muted" title=${formatFull(o.updated_at || o.created_at)}>${formatTime(o.updated_at || o.created_at)}</time></span>
                ${o.last_text && html`<span class="o-text">${o.last_text}</span>`}
              </button>
            </li>`)}</ul>`
        : html`<p class="muted small">${t('context.noOtherTickets')}</p>`}
      <h3 class="pane-sub">${t('context.channels')}</h3>
      ${counts.size
        ? html`<ul class="chips">${[...counts].map(([ch, n]) => html`<li><${ChannelBadge} ch=${ch} /> <span class="muted small">×${n}</span></li>`)}</ul>`
        : html`<p class="muted small">${t('context.none')}</p>`}
      <h3 class="pane-sub">${t('context.words')}</h3>
      ${last
        ? html`<p class="small words-sum" data-words=${String(words.length)}>
            ${tn('context.wordsCount', words.length)} · ${t('context.lastWord', { t: formatTime(last.ts) })}
            <button type="button" class="btn sm linkish" data-action="jump-last" onClick=${() => jumpTo(last.id)}>${t('context.jumpLast')}</button></p>`
        : html`<p class="muted small">${t('context.noWords')}</p>`}
      <${HeldJoins} refNo=${tk.ref || c.ref} holds=${tk.holds || 0} failures=${tk.hold_failures || 0}
        events=${c.events.filter((ev) => ev.kind === 'hold').length} />
      <${CustomerMerge} customerId=${cu.id || tk.customer} rev=${c.events.length} />
    </aside>`;
}

// The thread already shows every message: the card says how many and jumps
// to the last one instead of repeating them.
function jumpTo(id) {
  const li = document.querySelector(`.thread li[data-id="${CSS.escape(id)}"]`);
  if (!li) return;
  li.setAttribute('tabindex', '-1');
  li.scrollIntoView({ block: 'center' });
  li.focus({ preventScroll: true });
}

// host and path, without the scheme: what fits in the card
function shortPage(url) {
  return url.replace(/^https?:\/\//, '');
}
