import { html } from 'htm/preact';
import { memo } from 'preact/compat';
import { getLang } from './i18n.js';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t, statusLabel, channelLabel, formatTime, formatFull } from './i18n.js';
import {
  assign, assignMe, setStatus, sendText, setComposerMode, agentTyping, stopTyping, clearDraft, closeTicket, openDialog, retryDelivery, loadAgents,
  cannedOf,
} from './store.js';
import { formatRef, formatDuration, waitLevel, fillPlaceholders, teamsOf, slaView } from './util.js';
import { deliveryView, replyChannels } from './delivery.js';
import { ChannelBadge, StatusPill } from './widgets.js';
import { Attachments } from './attachments.js';
import { sendConflicts, ConflictWarning } from './conflict.js';
import { TagEditor, tagsOf, allTags } from './tags.js';
import { TemplatePicker } from './templates.js';

export function TicketView({ s }) {
  const c = s.current;
  if (!c) {
    return html`
      <section class="ticket empty-ticket" aria-label=${t('ticket.thread')}>
        <div class="placeholder">
          <p>${t('ticket.none')}</p>
          <p class="muted small">${t('ticket.noneHint')}</p>
        </div>
      </section>`;
  }
  if (c.error) {
    return html`<section class="ticket" aria-label=${t('ticket.thread')}><p class="error-box" role="alert">${c.error}</p></section>`;
  }
  const tk = c.ticket || { ref: c.ref };
  return html`
    <section class="ticket" aria-labelledby="ticket-title">
      <${TicketHeader} s=${s} tk=${tk} />
      <${Collision} s=${s} c=${c} />
      <${Thread} s=${s} c=${c} />
      <${Typing} c=${c} />
      <${Composer} s=${s} c=${c} tk=${tk} />
    </section>`;
}

function customerName(c) {
  return c.customer?.name || c.ticket?.name || '';
}

function TicketHeader({ s, tk }) {
  const [assigning, setAssigning] = useState(false);
  const [who, setWho] = useState('');
  const [team, setTeam] = useState('');
  const inputRef = useRef(null);
  useEffect(() => {
    if (assigning) {
      inputRef.current?.focus();
      loadAgents();
    }
  }, [assigning]);
  useEffect(() => {
    setAssigning(false);
  }, [tk.ref]);
  const me = s.agent?.name;
  const level = waitLevel(tk, s.now, s.team.amberMin, s.team.redMin);
  const status = tk.status || 'open';
  const teams = teamsOf(s.agents, Object.values(s.tickets), [tk]);
  const fu = status === 'pending' && tk.follow_up_at ? tk.follow_up_at : 0;

  async function submitAssign(e) {
    e.preventDefault();
    const name = who.trim();
    if (!name && !team) return;
    if (await assign(name, team ? (team === '-' ? '' : team) : undefined)) {
      setAssigning(false);
      setWho('');
      setTeam('');
    }
  }

  return html`
    <header class="ticket-head">
      <div class="th-title">
        <h2 id="ticket-title">
          <span class="th-name">${tk.name || s.current?.customer?.name || t('ev.customer')}</span>
          <span class="th-ref">${t('ticket.ref', { ref: formatRef(tk.ref) })}</span>
        </h2>
        <div class="th-meta">
          <${StatusPill} status=${status} />
          <span class="th-assignee">${tk.assignee ? t('queue.assignedTo', { name: displayOf(s, tk.assignee) }) : t('queue.unassigned')}</span>
          ${tk.team && html`<span class="team" data-team=${tk.team}>${t('ticket.team', { team: tk.team })}</span>`}
          <${TagEditor} tk=${tk} known=${allTags(Object.values(s.tickets))} />
          ${fu ? html`<span class=${`followup${fu <= s.now ? ' due' : ''}`} data-follow-up=${String(fu)} title=${formatFull(fu)}>
            <span aria-hidden="true">⏰ </span>${t(fu <= s.now ? 'ticket.followUpOverdue' : 'ticket.followUp', { t: formatTime(fu) })}</span>` : ''}
          ${slaHead(slaView(tk), s.now)}
          ${tk.waiting_since ? html`<span class=${`wait wait-${level}`}>${t('ticket.waiting', { d: formatDuration(s.now - tk.waiting_since) })}</span>` : ''}
        </div>
      </div>
      <div class="th-actions" role="toolbar" aria-label=${t('ticket.actions')}>
        ${assigning
          ? html`
            <form class="assign-form" onSubmit=${submitAssign}>
              <label class="sr" for="assign-name">${t('ticket.assignName')}</label>
              <input id="assign-name" ref=${inputRef} placeholder=${t('ticket.assignName')} autocomplete="off" spellcheck="false"
                list="agent-options" value=${who} onInput=${(e) => setWho(e.currentTarget.value)}
                onKeyDown=${(e) => { if (e.key === 'Escape') { e.stopPropagation(); setAssigning(false); } }} />
              <datalist id="agent-options">
                ${s.agents.map((a) => html`<option value=${a.name} label=${`${a.display || a.name}${a.team ? ` · ${a.team}` : ''}`}></option>`)}
              </datalist>
              <label class="sr" for="assign-team">${t('ticket.assignTeam')}</label>
              <select id="assign-team" value=${team} onChange=${(e) => setTeam(e.currentTarget.value)}
                onKeyDown=${(e) => { if (e.key === 'Escape') { e.stopPropagation(); setAssigning(false); } }}>
                <option value="">${t('ticket.teamOfAgent')}</option>
                ${teams.map((x) => html`<option value=${x}>${x}</option>`)}
                <option value="-">${t('ticket.teamNone')}</option>
              </select>
              <button type="submit" class="btn sm primary">${t('ticket.assignGo')}</button>
              <button type="button" class="btn sm" onClick=${() => setAssigning(false)}>${t('ticket.cancel')}</button>
            </form>`
          : html`
            ${tk.assignee !== me && html`<button type="button" class="btn sm" onClick=${assignMe} data-action="assign-me" aria-keyshortcuts="a">${t('ticket.assignMe')}</button>`}
            ${tk.assignee && html`<button type="button" class="btn sm" onClick=${() => assign('')} data-action="unassign">${t('ticket.unassign')}</button>`}
            <${MoreActions} s=${s}>
              <button type="button" class="btn sm" onClick=${() => setAssigning(true)} data-action="assign-to">${t('ticket.assignTo')}</button>
              <button type="button" class="btn sm" onClick=${() => openDialog('transfer')} data-action="transfer">${t('ticket.transfer')}</button>
              ${(status === 'open' || status === 'pending') && html`<button type="button" class="btn sm" onClick=${() => openDialog('followup')} data-action="pending-until">${t('ticket.pendingUntil')}</button>`}
              ${status !== 'closed' && html`<button type="button" class="btn sm" onClick=${() => openDialog('close')} data-action="close-quiet">${t('close.action')}</button>`}
            <//>`}
        <span class="sep" aria-hidden="true"></span>
        ${status === 'open' && html`<button type="button" class="btn sm" onClick=${() => setStatus('pending')} data-action="pending" aria-keyshortcuts="p">${t('ticket.pending')}</button>`}
        ${status !== 'open' && status !== 'closed' && html`<button type="button" class="btn sm" onClick=${() => setStatus('open')} data-action="reopen" aria-keyshortcuts="o">${t('ticket.reopen')}</button>`}
        ${status !== 'closed' && status !== 'resolved' && html`<button type="button" class="btn sm ok" onClick=${() => setComposerMode('resolution')} data-action="resolve" aria-keyshortcuts="e">${t('ticket.resolve')}</button>`}
        <button type="button" class="btn sm icon" onClick=${closeTicket} aria-label=${t('ticket.close')} title=${t('ticket.close')}>✕</button>
      </div>
    </header>`;
}

function Thread({ s, c }) {
  const ref = useRef(null);
  const stick = useRef(true);
  const pending = s.outbox.filter((o) => o.ticket === c.ref);
  const count = c.events.length + pending.length;
  const prev = useRef({ count: 0, pending: 0, ref: '' });
  const [below, setBelow] = useState(false); // new events arrived while scrolled up
  useLayoutEffect(() => {
    const el = ref.current;
    const p = prev.current;
    // sending scrolls to your own message, wherever you were
    if (p.ref === c.ref && pending.length > p.pending) stick.current = true;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
    else if (p.ref === c.ref && count > p.count && !c.loading) setBelow(true);
    prev.current = { count, pending: pending.length, ref: c.ref };
  }, [count, c.ref, c.loading]);
  useEffect(() => {
    stick.current = true;
    setBelow(false);
  }, [c.ref]);
  function onScroll() {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (stick.current) setBelow(false);
  }
  function toBottom() {
    const el = ref.current;
    stick.current = true;
    setBelow(false);
    if (el) el.scrollTop = el.scrollHeight;
    el?.focus();
  }
  return html`
    <div class="thread-wrap">
    ${below && html`<button type="button" class="btn sm newpill" data-action="new-below" onClick=${toBottom}>${t('ticket.newBelow')}</button>`}
    <div class="thread" ref=${ref} onScroll=${onScroll} role="log" aria-live="polite" aria-relevant="additions"
      aria-label=${t('ticket.thread')} tabindex="0" aria-busy=${c.loading ? 'true' : 'false'}>
      ${c.loading && !c.events.length
        ? html`<p class="muted center">${t('ticket.loading')}</p>`
        : !c.events.length && !pending.length
          ? html`<p class="muted center">${t('ticket.emptyThread')}</p>`
          : ''}
      <ol class="events">
        ${c.events.map((ev) => html`<${Event} key=${ev.id} ev=${ev} lang=${getLang()} dl=${c.deliveries?.[ev.id] || ev.delivery || null}
          cust=${customerName(c)} agents=${s.agents} />`)}
        ${pending.map((o) => html`<${PendingEvent} key=${o.client_id} o=${o} online=${s.conn.state === 'online'} />`)}
      </ol>
    </div>
    </div>`;
}

// Who wrote an event, by name: a customer's raw id never shows (the name
// known now wins over the one stored with older messages); agents by their
// current display name.
function who(ev, n = {}) {
  const a = ev.author || {};
  if (a.role === 'system') return a.name || t('ev.system');
  if (a.role === 'agent') {
    const ag = (n.agents || []).find((x) => x.name === a.id);
    return ag?.display || a.name || a.id || t('role.agent');
  }
  return n.cust || (a.name && a.name !== a.id ? a.name : '') || t('ev.customer');
}

function agentDisplay(agents, name) {
  const ag = (agents || []).find((x) => x.name === name);
  return ag?.display || name;
}

function EventHead({ ev, label, n, badge = true }) {
  return html`
    <div class="ev-head">
      ${label && html`<span class="ev-label">${label}</span>`}
      <span class="ev-author">${who(ev, n)}</span>
      ${badge && ev.channel && ev.channel !== 'system' && html`<${ChannelBadge} ch=${ev.channel} />`}
      <time class="ev-time" datetime=${new Date(ev.ts || 0).toISOString()} title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time>
    </div>`;
}

function Delivery({ ev, dl }) {
  const v = deliveryView(dl);
  if (!v) return null;
  const details = [
    v.channel && v.channel !== ev.channel ? channelLabel(v.channel) : '',
    v.to ? t('delivery.to', { to: v.to }) : '',
    v.status === 'queued' && v.attempts > 0 ? t('delivery.attempt', { n: v.attempts + 1 }) : '',
    v.status === 'queued' && v.error ? t('delivery.lastError', { e: v.error }) : '',
  ].filter(Boolean).join(' · ');
  return html`
    <div class=${`dl dl-${v.status}`} data-delivery=${v.status}>
      <span class="dl-icon" aria-hidden="true">${v.icon}</span>
      <span class="dl-text"><span class="sr">${t('delivery.label')}: </span>${t(v.key)}${v.status === 'failed' && v.error ? html`: <span class="dl-error">${v.error}</span>` : ''}</span>
      ${details && html`<span class="dl-details muted">${details}</span>`}
      ${v.permanent && html`<span class="dl-permanent" data-permanent>${t('delivery.permanent')}</span>`}
      ${v.canRetry && html`<button type="button" class="btn sm dl-retry" onClick=${() => retryDelivery(ev.id)}
        aria-label=${t('delivery.retryLabel')} data-action="retry-delivery">${t('delivery.retry')}</button>`}
    </div>`;
}

// Where a reply went and why (docs/continuity.md "Routing at send time"):
// the route chosen when it was written, and a later one (held then sent,
// unread then emailed) from its delivery.
function RouteNote({ ev, dl }) {
  const rs = [ev.route, dl && dl.route].filter((r) => r && typeof r === 'object' && r.channel);
  if (!rs.length) return null;
  return html`${rs.map((r) => html`
    <div class="route muted small" data-route=${r.code || ''} title=${r.code || ''}>
      <span aria-hidden="true">↪ </span><span class="sr">${t('route.label')}: </span>${channelLabel(r.channel)}${r.template ? ` (${r.template})` : ''}${r.reason ? ` · ${r.reason}` : ''}
    </div>`)}`;
}

// The WhatsApp window of the ticket's number: time left, or since when closed.
function waWindowText(tk) {
  const until = Number(tk && tk.wa_window_until) || 0;
  if (!until) return '';
  const left = until - Date.now();
  const span = (ms) => {
    const m = Math.floor(Math.abs(ms) / 60000);
    return m < 60 ? `${m} min` : m < 2880 ? `${Math.floor(m / 60)} h` : `${Math.floor(m / 1440)} d`;
  };
  return left > 0 ? t('composer.waOpen', { t: span(left) }) : t('composer.waClosed', { t: span(left) });
}

function statusText(ev, n) {
  if (ev.reason === 'follow_up') {
    return html`<span class="fu-due"><span aria-hidden="true">⏰ </span><strong>${t('queue.followUpDue')}</strong></span>
      <span>${t('ev.followUpReopened', { from: statusLabel(ev.from || '?'), to: statusLabel(ev.status || '?') })}</span>`;
  }
  if (ev.status === 'closed' && ['spam', 'duplicate', 'other'].includes(ev.reason)) {
    return html`<span>${t('ev.closedQuiet', { who: who(ev, n), reason: t(`close.reason.${ev.reason}`) })}</span>`;
  }
  const base = t('ev.status', { who: who(ev, n), from: statusLabel(ev.from || '?'), to: statusLabel(ev.status || '?') });
  return html`<span>${base}${ev.follow_up_at ? ` · ${t('ev.pendingUntil', { t: formatTime(ev.follow_up_at) })}` : ''}</span>`;
}

function assignText(ev, n) {
  const name = agentDisplay(n.agents, ev.assignee);
  if (ev.assignee && ev.team) return t('ev.assignTeam', { who: who(ev, n), name, team: ev.team });
  if (ev.assignee) return t('ev.assign', { who: who(ev, n), name });
  if (ev.team) return t('ev.assignTeamOnly', { who: who(ev, n), team: ev.team });
  return t('ev.unassign', { who: who(ev, n) });
}

function durationText(sec) {
  const n = Math.max(0, Math.round(Number(sec) || 0));
  return `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`;
}

// A recording plays here when Hilo serves it (a same-origin path, allowed by
// the console's media-src 'self'); a provider's URL opens in a new tab.
function Recording({ url }) {
  if (typeof url !== 'string' || !url) return null;
  if (url.startsWith('/') && !url.startsWith('//')) {
    return html`<audio class="ev-audio" controls preload="none" src=${url} aria-label=${t('ev.recording')}></audio>`;
  }
  if (!/^https:\/\//.test(url)) return null;
  return html`<a class="ev-rec-link" href=${url} target="_blank" rel="noopener noreferrer">${t('ev.openRecording')}</a>`;
}

function VoiceEvent({ ev, n, common }) {
  const st = typeof ev.call_status === 'string' ? ev.call_status : '';
  const dur = Number(ev.duration_s) > 0 ? durationText(ev.duration_s) : '';
  const label = ev.kind === 'voicemail' ? t('ev.voicemail')
    : t(`ev.call.${['completed', 'busy', 'no-answer', 'failed', 'canceled', 'ringing', 'in-progress'].includes(st) ? st : 'other'}`);
  return html`<li class=${`ev ev-voice ev-${ev.kind}`} ...${common} data-call-status=${st || undefined}>
    <${EventHead} ev=${ev} n=${n} label=${html`<span aria-hidden="true">${ev.kind === 'voicemail' ? '📼' : '📞'} </span>${label}`} />
    ${dur && html`<div class="ev-duration" data-duration=${String(ev.duration_s)}>${t('ev.duration', { d: dur })}</div>`}
    <${Recording} url=${ev.recording_url} />
  </li>`;
}

// Events never change once written: re-render only on a language switch or a delivery update.
const Event = memo(({ ev, dl, cust, agents }) => {
  const kind = ev.kind;
  const n = { cust, agents };
  const role = ev.author?.role || 'customer';
  const common = { 'data-id': ev.id, 'data-kind': kind };
  switch (kind) {
    case 'message':
      return html`<li class=${`ev ev-message from-${role}`} ...${common}>
        <${EventHead} ev=${ev} n=${n} /><div class="ev-text">${ev.text}</div><${Attachments} ev=${ev} /></li>`;
    case 'reply':
      return html`<li class="ev ev-reply" ...${common}>
        <${EventHead} ev=${ev} n=${n} /><div class="ev-text">${ev.text}</div><${Delivery} ev=${ev} dl=${dl} /><${RouteNote} ev=${ev} dl=${dl} /></li>`;
    case 'note':
      return html`<li class="ev ev-note" ...${common}>
        <${EventHead} ev=${ev} n=${n} badge=${false} label=${html`<span class="lock" aria-hidden="true"></span>${t('ev.note')}`} /><div class="ev-text">${ev.text}</div></li>`;
    case 'ack':
      return html`<li class="ev ev-ack" ...${common}>
        <${EventHead} ev=${ev} n=${n} label=${html`<span aria-hidden="true">✓ </span>${t('ev.ack')}${ev.eta_minutes ? ` · ${t('ev.eta', { n: ev.eta_minutes })}` : ''}`} />
        <div class="ev-text">${ev.text}</div></li>`;
    case 'resolution':
      return html`<li class="ev ev-resolution" ...${common}>
        <${EventHead} ev=${ev} n=${n} label=${html`<span aria-hidden="true">✔ </span>${t('ev.resolution')}`} /><div class="ev-text">${ev.text}</div>
        <${Delivery} ev=${ev} dl=${dl} /><${RouteNote} ev=${ev} dl=${dl} /></li>`;
    case 'assign':
      return html`<li class="ev ev-sys" ...${common}>
        <span>${assignText(ev, n)}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    case 'status':
      return html`<li class=${`ev ev-sys${ev.reason === 'follow_up' ? ' ev-followup' : ''}`} ...${common} data-reason=${ev.reason || undefined}>
        ${statusText(ev, n)}
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    case 'tags': {
      const tags = tagsOf(ev);
      return html`<li class="ev ev-sys" ...${common}>
        <span>${tags.length ? t('ev.tags', { who: who(ev, n), tags: tags.join(', ') }) : t('ev.tagsCleared', { who: who(ev, n) })}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    }
    case 'survey':
      return html`<li class="ev ev-sys ev-survey" ...${common} data-survey=${ev.survey?.skipped ? 'skipped' : 'sent'}>
        <span><span aria-hidden="true">⭐ </span>${ev.survey?.skipped
          ? t('ev.surveySkipped', { why: ev.survey.skipped })
          : t('ev.survey', { ch: channelLabel(ev.survey?.channel || ev.channel) })}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    case 'csat':
      return html`<li class="ev ev-sys ev-csat" ...${common} data-csat=${String(ev.csat || '')}>
        <span><span aria-hidden="true">⭐ </span>${t('ev.csat', { n: ev.csat })} · ${channelLabel(ev.channel)}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    case 'sla':
      return html`<li class=${`ev ev-sys ev-sla sla-${ev.sla}`} ...${common} data-sla=${ev.sla}>
        <span><span aria-hidden="true">${ev.sla === 'breach' ? '⛔ ' : '⚠ '}</span>${t(ev.sla === 'breach' ? 'ev.slaBreach' : 'ev.slaWarning', { what: t(`sla.${ev.target}`), t: formatTime(ev.due) })}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    case 'call':
    case 'voicemail':
      return html`<${VoiceEvent} ev=${ev} n=${n} common=${common} />`;
    case 'undelivered':
      return html`<li class="ev ev-sys ev-undelivered" ...${common} data-event-id=${ev.event_id || undefined}>
        <span><span aria-hidden="true">⚠ </span><strong>${t('ev.undelivered', { ch: channelLabel(ev.channel || '') })}</strong>${ev.error ? html`: <span class="ev-error">${ev.error}</span>` : ''}</span>
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
    default:
      return html`<li class="ev ev-sys" ...${common}><span>${kind}</span>${ev.text ? html`: <span>${ev.text}</span>` : ''}
        <time class="ev-time" title=${formatFull(ev.ts)}>${formatTime(ev.ts)}</time></li>`;
  }
});

function PendingEvent({ o, online }) {
  const cls = o.kind === 'note' ? 'ev-note' : o.kind === 'resolution' ? 'ev-resolution' : 'ev-reply';
  return html`<li class=${`ev ${cls} ev-pending`} data-client-id=${o.client_id} data-pending-kind=${o.kind}>
    <div class="ev-head"><span class="ev-label">${online || o.acked ? t('composer.sending') : t('composer.queued')}</span></div>
    <div class="ev-text">${o.text}</div></li>`;
}

function Typing({ c }) {
  const entries = Object.values(c.typing || {}).filter((e) => e && e.role === 'customer');
  const text = entries
    .map((e) => (e.role === 'customer' ? t('ticket.typing', { name: e.name || customerName(c) || t('ev.customer') }) : t('ticket.agentTyping', { name: e.name })))
    .join(' · ');
  return html`<div class="typing" role="status" aria-live="polite">
    ${text && html`<span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>`}<span class="typing-text">${text}</span></div>`;
}

function displayOf(s, name) {
  const a = s.agents.find((x) => x.name === name);
  return a?.display || name;
}

/** Who else has this ticket open, and who else is writing a reply. */
function Collision({ s, c }) {
  const viewers = Object.values(c.viewers || {}).map((v) => v.name || displayOf(s, v.agent));
  const typing = Object.values(c.typing || {}).filter((e) => e && e.role === 'agent').map((e) => e.name).filter(Boolean);
  const show = viewers.length > 0 || typing.length > 0;
  return html`
    <div class=${`collision${show ? ' on' : ''}${typing.length ? ' typing-agents' : ''}`} role="status" aria-live="polite"
      aria-label=${t('ticket.collision')} data-collision>
      ${viewers.length > 0 && html`<span class="viewers" data-viewers=${viewers.join(',')}><span aria-hidden="true">👁 </span>${t('ticket.viewing', { names: viewers.join(', ') })}</span>`}
      ${typing.length > 0 && html`<span class="agents-typing"><span class="dots" aria-hidden="true"><i></i><i></i><i></i></span>
        ${t('ticket.agentsTyping', { names: typing.join(', ') })}</span>`}
    </div>`;
}

function Composer({ s, c, tk }) {
  const mode = s.composer.mode;
  const [texts, setTexts] = useState({ reply: '', note: '', resolution: '' });
  const area = useRef(null);
  const name = customerName(c);
  const status = tk.status || 'open';

  // "auto": Hilo routes it at send time; any other choice pins the channel
  const channels = ['auto', ...replyChannels(c.events, tk)];
  const [channel, setChannel] = useState('');
  const [conflict, setConflict] = useState(null);
  const draftSince = useRef(0);
  const chosen = channel && channels.includes(channel) ? channel : 'auto';
  const waWindow = waWindowText(tk);
  useEffect(() => {
    setTexts({ reply: '', note: '', resolution: '' });
    setChannel('');
    setConflict(null);
    draftSince.current = 0;
  }, [c.ref]);
  useEffect(() => {
    if (s.composer.focus) area.current?.focus();
  }, [s.composer.focus]);
  useEffect(() => {
    if (s.composer.draft != null) {
      const d = s.composer.draft;
      setTexts((x) => (x[mode] ? x : { ...x, [mode]: d }));
      clearDraft();
    }
  }, [s.composer.draft]);

  const text = texts[mode];
  function setText(v) {
    setTexts((x) => ({ ...x, [mode]: v }));
    if (!v) draftSince.current = 0;
    else if (!draftSince.current) draftSince.current = Date.now();
    setConflict(null);
  }
  function send(anyway = false) {
    if (!text.trim()) return;
    if (!anyway && mode !== 'note') {
      // another agent typing or who just answered: ask before a second answer goes out
      const cf = sendConflicts(c, s.agent?.name, { now: Date.now(), since: draftSince.current, agents: s.agents });
      if (cf) {
        setConflict(cf);
        return;
      }
    }
    setConflict(null);
    if (sendText(mode, text, mode === 'note' || chosen === 'auto' ? undefined : chosen)) {
      setText('');
      // a non-web choice is for this message only: the next one goes back
      // to the default rather than silently keeping WhatsApp or SMS
      if (mode !== 'note') setChannel('');
      if (mode === 'resolution') setComposerMode('reply', false);
    }
  }
  function onKeyDown(e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      stopTyping();
      e.currentTarget.blur();
      document.querySelector('.qi.active')?.focus();
    }
  }
  function onInput(e) {
    setText(e.currentTarget.value);
    if (mode !== 'note') agentTyping();
  }
  function insertCanned(e) {
    const i = Number(e.currentTarget.value);
    e.currentTarget.value = '';
    const item = cannedOf(s)[i];
    if (!item) return;
    const filled = fillPlaceholders(item.text, { name: name || '', ref: formatRef(tk.ref) });
    const el = area.current;
    let next;
    if (el && typeof el.selectionStart === 'number' && text) {
      next = text.slice(0, el.selectionStart) + filled + text.slice(el.selectionEnd);
    } else {
      next = text ? `${text}\n${filled}` : filled;
    }
    setText(next);
    requestAnimationFrame(() => el?.focus());
  }

  const closed = status === 'closed' && mode !== 'note';
  const modes = ['reply', 'note', 'resolution'];
  return html`
    <form class=${`composer mode-${mode}`} aria-label=${t('composer.label')} onSubmit=${(e) => { e.preventDefault(); send(); }}>
      <div class="composer-top">
        <div class="seg" role="group" aria-label=${t('composer.mode')}>
          ${modes.map((m) => html`
            <button type="button" aria-pressed=${mode === m ? 'true' : 'false'} class=${`${mode === m ? 'on ' : ''}m-${m}`}
              data-mode=${m} onClick=${() => setComposerMode(m)}>${t(`composer.${m}`)}</button>`)}
        </div>
        ${cannedOf(s).length > 0 && html`
          <select class="canned" aria-label=${t('composer.canned')} onChange=${insertCanned} value="">
            <option value="">${t('composer.cannedPick')}</option>
            ${cannedOf(s).map((cn, i) => html`<option value=${String(i)}>${cn.title}</option>`)}
          </select>`}
      </div>
      <label class="sr" for="composer-text">${t(`composer.${mode}`)}</label>
      <textarea id="composer-text" ref=${area} rows="3" value=${text} onInput=${onInput} onKeyDown=${onKeyDown}
        disabled=${closed} onBlur=${() => stopTyping()}
        placeholder=${closed ? t('composer.closed') : t(`composer.placeholder.${mode}`, { name: name || t('ev.customer') })}></textarea>
      ${conflict && html`<${ConflictWarning} conflict=${conflict} onSend=${() => send(true)}
        onCancel=${() => { setConflict(null); area.current?.focus(); }} />`}
      <${TemplatePicker} s=${s} c=${c} tk=${tk} mode=${mode} disabled=${closed} />
      <div class="composer-foot">
        ${mode === 'note'
          ? html`<span class="muted small"><span class="lock" aria-hidden="true"></span>${t('composer.noteHint')}</span>`
          : html`<label class="via small"><span>${t('composer.channel')}</span>
              <select id="composer-channel" value=${chosen} onChange=${(e) => setChannel(e.currentTarget.value)} disabled=${closed}>
                ${channels.map((ch) => html`<option value=${ch}>${ch === 'auto' ? t('composer.auto') : channelLabel(ch)}</option>`)}
              </select></label>`}
        ${mode !== 'note' && waWindow && html`<span class="wa-window muted small" data-wa-window>${waWindow}</span>`}
        <button type="submit" class=${`btn ${mode === 'note' ? 'note' : mode === 'resolution' ? 'ok' : 'primary'}`}
          disabled=${closed || !text.trim()} data-send=${mode}>
          ${t(`composer.send.${mode}`)} <kbd aria-hidden="true">Ctrl+↵</kbd>
        </button>
      </div>
    </form>`;
}

// The less frequent actions behind "More ▾" so the header toolbar stays on
// one line from 1024 px. The buttons are in the DOM only while it is open;
// Esc or a click elsewhere closes it, and choosing one closes it too.
function MoreActions({ children }) {
  const [open, setOpen] = useState(false);
  const box = useRef(null);
  const btn = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    box.current?.querySelector('.more-menu button')?.focus();
    const away = (e) => { if (!box.current?.contains(e.target)) setOpen(false); };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  function onKeyDown(e) {
    if (e.key === 'Escape' && open) {
      e.stopPropagation();
      setOpen(false);
      btn.current?.focus();
    }
  }
  return html`
    <span class="more" ref=${box} onKeyDown=${onKeyDown}>
      <button type="button" class="btn sm" ref=${btn} aria-expanded=${open ? 'true' : 'false'} aria-controls="more-menu"
        data-action="more" onClick=${() => setOpen(!open)}>${t('ticket.more')} <span aria-hidden="true">▾</span></button>
      ${open && html`<div class="more-menu" id="more-menu" role="group" aria-label=${t('ticket.more')}
        onClick=${(e) => { if (e.target.closest('button')) setOpen(false); }}>${children}</div>`}
    </span>`;
}

// The SLA due time in the ticket's header (docs/sla.md).
function slaHead(v, now) {
  if (!v) return '';
  const cls = v.breached || v.due <= now ? ' breach' : v.warned ? ' warn' : '';
  const key = v.paused ? 'sla.paused' : v.breached ? 'sla.breached' : 'sla.due';
  return html`<span class=${`sla-due${cls}`} data-sla=${v.target} data-due=${String(v.due)} title=${formatFull(v.due)}>
    ${t(key, { what: t(`sla.${v.target}`), t: formatTime(v.due) })}</span>`;
}
