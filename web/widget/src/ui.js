// The widget's interface (Preact + htm). Every piece of customer or agent
// text is rendered as a text node by Preact, never parsed as HTML.

import { h, render } from 'preact';
import { useState, useEffect, useRef, useLayoutEffect } from 'preact/hooks';
import htm from 'htm';
import { formatRef, codePoints } from './ids.js';
import { HoursLine } from './hours.js';
import { useUpload, UploadButton, UploadStatus, MessageFiles, fileOf, onlyFiles } from './upload.js';

const html = htm.bind(h);
const MAX_TEXT = 4096;

const ICON = {
  chat: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.6A8 8 0 1 1 21 12z"/></svg>`,
  close: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>`,
  down: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M6 9l6 6 6-6"/></svg>`,
  send: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M4 12l16-8-6 16-2.5-6.5z"/></svg>`,
  check: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 12.5l4.5 4.5L19 7"/></svg>`,
  inbox: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M4 13h4l2 3h4l2-3h4M5 5h14l1 8v6H4v-6z"/></svg>`,
  wa: html`<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2zm5.3 14.2c-.2.6-1.3 1.2-1.8 1.2-.5.1-1 .2-3.3-.7-2.8-1.1-4.6-4-4.7-4.2-.1-.2-1.1-1.5-1.1-2.9s.7-2 1-2.3c.3-.3.6-.3.8-.3h.6c.2 0 .4 0 .6.5l.9 2.1c.1.2.1.4 0 .5l-.3.5-.4.5c-.1.1-.3.3-.1.6.2.3.8 1.3 1.7 2.1 1.2 1 2.1 1.3 2.4 1.5.3.1.5.1.6-.1l.9-1.1c.2-.3.4-.2.7-.1l2 1c.3.1.5.2.5.3.1.2.1.7-.1 1.4z"/></svg>`,
  mail: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/></svg>`,
  phone: html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"/></svg>`,
};

function timeOf(ts, lang) {
  if (!ts) return '';
  try {
    return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(new Date(ts));
  } catch {
    return '';
  }
}

function ChannelBadge({ channel, t }) {
  if (!channel || channel === 'web' || channel === 'system') return null;
  const label = t.channel[channel] || channel;
  return html`<span class=${`chan ${channel}`} title=${t.via(label)} data-channel=${channel}>${label}</span>`;
}

// Copies the reference as shown (groups of four); the result is announced
// through the panel's polite live region.
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No async clipboard (insecure page, old browser): the selection way.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.cssText = 'position:fixed;top:-100px;opacity:0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch {}
    ta.remove();
    return ok;
  }
}

function CopyRef({ ticket, t, announce }) {
  const [done, setDone] = useState(false);
  const ref = formatRef(ticket);
  const onClick = async () => {
    const ok = await copyText(ref);
    setDone(ok);
    announce(ok ? t.copied : t.copyFailed);
    if (ok) setTimeout(() => setDone(false), 2500);
  };
  return html`<button class="copy" type="button" data-part="copy-ref" aria-label=${t.copyRef(ref)} onClick=${onClick}>${done ? t.copied : t.copy}</button>`;
}

// "Ana López" -> "AL": the agent's avatar in the thread.
export function initials(name) {
  const words = String(name || '').trim().split(/\s+/).filter(Boolean);
  const first = (w) => (w ? [...w][0].toUpperCase() : '');
  return words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]);
}

function Event({ e, t, lang, announce, chat, answered, seen }) {
  const time = timeOf(e.ts, lang);
  switch (e.kind) {
    case 'message':
      // ✓ stored by Hilo (delivered to the team); ✓✓ an agent has answered since (seen)
      return html`<div class="row me" data-kind="message" data-id=${e.id} data-client-id=${e.client_id || ''}>
        <div class="who sr">${t.you}</div>
        ${!onlyFiles(e) && html`<div class="bubble" dir="auto">${e.text}</div>`}
        <${MessageFiles} e=${e} chat=${chat} t=${t} announce=${announce} />
        <div class="meta"><${ChannelBadge} channel=${e.channel} t=${t} /><span>${time}</span>
          <span class=${`tick${seen ? ' seen' : ''}`} data-tick=${seen ? 'seen' : 'delivered'} title=${seen ? t.seen : t.delivered}>
            <span aria-hidden="true">${seen ? '✓✓' : '✓'}</span><span class="sr">${seen ? t.seen : t.delivered}</span></span></div>
      </div>`;
    case 'reply':
      return html`<div class="row them" data-kind="reply" data-id=${e.id}>
        <div class="who"><span class="avatar" aria-hidden="true" data-initials=${initials(e.author && e.author.name)}>${initials((e.author && e.author.name) || t.agent)}</span>${(e.author && e.author.name) || t.agent}</div>
        <div class="bubble" dir="auto">${e.text}</div>
        <div class="meta"><${ChannelBadge} channel=${e.channel} t=${t} /><span>${time}</span></div>
      </div>`;
    case 'ack':
      return html`<div class="card ack" data-kind="ack" data-id=${e.id} role="status">
        <div class="card-label">${ICON.inbox}${t.ackLabel}</div>
        <div class="text" dir="auto">${e.text}</div>
        <div class="small">${t.reference}: <span class="ref" data-ref=${e.ticket}>${formatRef(e.ticket)}</span> <${CopyRef} ticket=${e.ticket} t=${t} announce=${announce} />${e.eta_minutes ? ` · ${t.eta(e.eta_minutes)}` : ''}</div>
      </div>`;
    case 'resolution':
      return html`<div class="card resolution" data-kind="resolution" data-id=${e.id}>
        <div class="card-label">${ICON.check}${t.resolvedLabel}${e.author && e.author.name ? ` · ${e.author.name}` : ''}</div>
        <div class="text" dir="auto">${e.text}</div>
        <div class="small">${t.resolvedHint}</div>
      </div>`;
    case 'survey':
      // satisfaction after a resolution: a tap sends the score as the
      // customer's reply (recorded without reopening, docs/sla.md)
      return html`<div class="card survey" data-kind="survey" data-id=${e.id}>
        <div class="text" dir="auto">${e.text}</div>
        <div class="survey-scale" role="group" aria-label=${t.surveyLabel}>
          ${[1, 2, 3, 4, 5].map((n) => html`<button type="button" class="btn survey-btn" data-score=${n}
            aria-pressed=${answered === n ? 'true' : 'false'} disabled=${!!answered}
            aria-label=${t.surveyScore(n)} onClick=${() => { if (chat.send(String(n))) announce(t.surveyThanks); }}>${n}</button>`)}
        </div>
        ${answered ? html`<div class="small" data-part="survey-thanks">${t.surveyThanks}</div>` : ''}
      </div>`;
    case 'status':
      if (e.status === 'closed') return html`<div class="note" data-kind="status" data-id=${e.id}>${t.closedNote}</div>`;
      if (e.status === 'open' && (e.from === 'resolved' || e.from === 'closed')) return html`<div class="note" data-kind="status" data-id=${e.id}>${t.reopened}</div>`;
      if (e.status === 'pending') return html`<div class="note" data-kind="status" data-id=${e.id}>${t.pendingNote}</div>`;
      return null;
    default:
      return null;
  }
}

function Pending({ m, t }) {
  const label = m.state === 'failed'
    ? (m.error === 'text_too_long' ? t.tooLong(MAX_TEXT) : t.failed)
    : m.state === 'queued' ? t.queued : m.state === 'sending' ? t.sending : '';
  return html`<div class="row me pending" data-kind="pending" data-state=${m.state} data-client-id=${m.client_id}>
    <div class="who sr">${t.you}</div>
    <div class="bubble" dir="auto">${m.text}</div>
    <div class=${`meta${m.state === 'failed' ? ' failed' : ''}`}><span>${label}</span></div>
  </div>`;
}

// Collapsible: on a phone it starts closed so that it does not eat the
// thread; on wider screens it starts open.
const NARROW = '(max-width: 480px)';
function Alternatives({ cfg, t, ticket }) {
  const [open, setOpen] = useState(() => !(window.matchMedia && window.matchMedia(NARROW).matches));
  if (!ticket || !(cfg.whatsapp || cfg.email || cfg.phone)) return null;
  const ref = formatRef(ticket);
  return html`<details class="alt" data-part="alternatives" open=${open} onToggle=${(ev) => setOpen(ev.currentTarget.open)}>
    <summary class="alt-title">${t.continueTitle}</summary>
    <div class="alt-links">
    ${cfg.whatsapp && html`<a data-alt="whatsapp" target="_blank" rel="noopener noreferrer"
        href=${`https://wa.me/${cfg.whatsapp}?text=${encodeURIComponent(t.whatsappText(ticket))}`}>${ICON.wa}${t.whatsapp}</a>`}
    ${cfg.email && html`<a data-alt="email"
        href=${`mailto:${cfg.email}?subject=${encodeURIComponent(t.emailSubject(ticket))}&body=${encodeURIComponent(t.emailBody(ticket))}`}>${ICON.mail}${t.emailMe}</a>`}
    ${cfg.phone && html`<a data-alt="phone" href=${`tel:${cfg.phone.replace(/[^\d+]/g, '')}`} title=${t.callUs(ref)}>${ICON.phone}${cfg.phone} · <span class="ref">${ref}</span></a>`}
    </div>
  </details>`;
}

// Where the case stands (issue #10): received, in progress, waiting on
// the customer, resolved or closed; and where to hear of changes.
export function caseState(s) {
  if (!s.ticket) return '';
  switch (s.ticketStatus) {
    case 'closed': return 'closed';
    case 'resolved': return 'resolved';
    case 'pending': return 'waiting';
    default: return s.assigned ? 'in_progress' : 'received';
  }
}

function CaseState({ s, t, chat, announce }) {
  const st = caseState(s);
  if (!st) return null;
  const onChange = (ev) => {
    if (!chat.notify(ev.currentTarget.value)) announce(t.notifyFailed);
  };
  const said = s.notifyState === 'saved' ? (s.notify ? t.notifySaved(t.channel[s.notify]) : t.notifyOff)
    : s.notifyState === 'refused' ? t.notifyRefused
      : s.notifyState === 'failed' ? t.notifyFailed : '';
  return html`<div class="case" data-part="case-state" data-state=${st}>
    <div class="case-line" role="status"><span class=${`case-dot ${st}`} aria-hidden="true"></span>
      <span class="case-label">${t.caseLabel}:</span> <strong data-part="case-text">${t.caseState[st]}</strong></div>
    ${st !== 'closed' && html`<label class="case-notify">${t.notifyLabel}
      <select data-part="notify" value=${s.notify} disabled=${s.notifyState === 'saving'} onChange=${onChange}>
        <option value="">${t.notifyNone}</option>
        <option value="whatsapp">${t.channel.whatsapp}</option>
        <option value="sms">${t.channel.sms}</option>
        <option value="email">${t.channel.email}</option>
      </select></label>`}
    ${said && html`<div class="case-said" data-part="notify-said" role="status">${said}</div>`}
  </div>`;
}

function statusLine(s, t, now) {
  if (s.status === 'blocked') return t.blocked;
  if (s.trouble === 'unavailable') return t.unavailable;
  if (s.status === 'offline' && !s.everConnected) return t.connecting;
  if (s.status === 'offline') {
    const secs = Math.max(0, Math.ceil((s.retryAt - now) / 1000));
    return navigator.onLine === false ? t.offline : t.reconnecting(secs > 1 ? secs : 0);
  }
  if (s.stale) return t.stale;
  return '';
}

function App({ chat, cfg, t, api }) {
  const [, force] = useState(0);
  const [open, setOpen] = useState(cfg.startOpen);
  const [draft, setDraft] = useState('');
  const [profile, setProfile] = useState(chat.store.profile());
  const [now, setNow] = useState(Date.now());
  const logRef = useRef(null);
  const inputRef = useRef(null);
  const launcherRef = useRef(null);
  const [said, setSaid] = useState('');
  const stick = useRef(true);
  const s = chat.state;

  useEffect(() => chat.onChange(() => force((n) => n + 1)), []);
  useEffect(() => {
    api.setOpen = (v) => setOpen(v);
    api.isOpen = () => open;
  });
  useEffect(() => {
    try { sessionStorage.setItem(`${cfg.ns}:open`, open ? '1' : ''); } catch {}
    if (open) {
      chat.markSeen();
      setTimeout(() => inputRef.current && inputRef.current.focus(), 0);
    }
  }, [open]);
  useEffect(() => { if (open) chat.markSeen(); });
  // Countdown in the status line while offline.
  useEffect(() => {
    if (s.status !== 'offline') return undefined;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [s.status]);
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  });

  const onScroll = () => {
    const el = logRef.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  const autosize = (el) => {
    el.style.height = 'auto';
    el.style.height = `${Math.min(140, el.scrollHeight + 2)}px`;
  };
  const tooLong = codePoints(draft) > MAX_TEXT;
  const submit = (ev) => {
    if (ev) ev.preventDefault();
    if (tooLong) return;
    if (chat.send(draft)) {
      setDraft('');
      stick.current = true;
      if (inputRef.current) { inputRef.current.value = ''; autosize(inputRef.current); }
    }
  };
  const onKey = (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) submit(ev);
  };
  const onInput = (ev) => {
    setDraft(ev.target.value);
    autosize(ev.target);
    if (ev.target.value) chat.typing();
  };
  // Closing from inside the panel (Esc, the header button) puts focus back
  // on the launcher instead of losing it to the page.
  const refocus = useRef(false);
  const close = () => {
    refocus.current = true;
    setOpen(false);
  };
  useLayoutEffect(() => {
    if (!open && refocus.current && launcherRef.current) launcherRef.current.focus();
    refocus.current = false;
  }, [open]);
  const announce = (text) => {
    // Cleared first so that the same text twice is announced twice.
    setSaid('');
    setTimeout(() => setSaid(text), 50);
  };
  // files and photos: the paperclip, a pasted or dropped image (upload.js)
  const up = useUpload(chat, t, announce);
  const [dropping, setDropping] = useState(false);
  const onPaste = (ev) => {
    const f = fileOf(ev.clipboardData && ev.clipboardData.files);
    if (f) { ev.preventDefault(); up.start(f); }
  };
  const onDrop = (ev) => {
    setDropping(false);
    const f = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files.length ? ev.dataTransfer.files[0] : null;
    if (f) { ev.preventDefault(); up.start(f); }
  };
  const onDragOver = (ev) => {
    if (ev.dataTransfer && Array.from(ev.dataTransfer.types || []).includes('Files')) { ev.preventDefault(); setDropping(true); }
  };
  // Kept as typed too: a message sent before the field's change event
  // still goes out after a hello with it (chat.flush, hours.js).
  const keepProfile = (field) => (ev) => chat.store.setProfile({ ...chat.store.profile(), [field]: ev.target.value.trim() });
  // From the stored profile, not this render's `profile`: a change event
  // may run before the render of the previous field's change, and the
  // stale copy would blank that field (lost pre-chat names under load).
  const saveProfile = (field) => (ev) => {
    const p = { ...chat.store.profile(), [field]: ev.target.value.trim() };
    setProfile(p);
    chat.setProfile(p);
  };

  const unread = open ? 0 : chat.unread();
  const visible = s.events.filter((e) => e.kind !== 'note');
  const lastAnswer = lastAnswers(visible);
  const shownIds = new Set(visible.map((e) => e.client_id).filter(Boolean));
  const pending = s.outbox.filter((m) => !shownIds.has(m.client_id));
  const empty = !visible.length && !pending.length;
  const line = statusLine(s, t, now);
  const resolved = s.ticketStatus === 'resolved';

  return html`<div class=${open ? 'root open' : 'root'} lang=${cfg.lang} onKeyDown=${(e) => { if (e.key === 'Escape' && open) close(); }}>
    <section class=${dropping ? 'panel dropping' : 'panel'} part="panel" role="dialog" aria-label=${cfg.title || t.title} hidden=${!open} data-status=${s.status}
      aria-describedby=${s.hours ? 'hilo-hours' : undefined} onDragOver=${onDragOver} onDragLeave=${() => setDropping(false)} onDrop=${onDrop}>
      <div class="head">
        <div class="head-text">
          <h2 class="title">${cfg.title || t.title}</h2>
          ${cfg.subtitle && html`<div class="sub">${cfg.subtitle}</div>`}
          <${HoursLine} chat=${chat} t=${t} lang=${cfg.lang} open=${open} />
        </div>
        <button class="icon-btn" type="button" aria-label=${t.close} onClick=${close}>${ICON.down}</button>
      </div>
      <div class="sr" role="status" aria-live="polite" data-part="announce">${said}</div>
      ${line && html`<div class="status" role="status" data-part="status">${line}</div>`}
      <${CaseState} s=${s} t=${t} chat=${chat} announce=${announce} />
      <div class="log" ref=${logRef} onScroll=${onScroll} role="log" aria-live="polite" tabindex="0" aria-label=${t.conversation}>
        <div class="intro" data-part="intro">
          <div>${t.intro}</div>
          ${empty && !cfg.identified && html`<div class="prechat" data-part="prechat">
            <div class="prechat-title">${t.prechatTitle}</div>
            <input type="text" name="name" autocomplete="name" placeholder=${t.name} aria-label=${t.name} maxlength="100"
              value=${profile.name} onInput=${keepProfile('name')} onChange=${saveProfile('name')} />
            <input type="email" name="email" autocomplete="email" placeholder=${t.email} aria-label=${t.email} maxlength="200"
              value=${profile.email} onInput=${keepProfile('email')} onChange=${saveProfile('email')} />
          </div>`}
        </div>
        ${visible.map((e, i) => html`${i > 0 && e.ticket !== visible[i - 1].ticket && html`<div class="note">${t.newConversation}</div>`}
          <${Event} key=${e.ticket + e.id} e=${e} t=${t} lang=${cfg.lang} announce=${announce} chat=${chat}
            answered=${e.kind === 'survey' ? scoreAfter(visible, e) : 0} seen=${e.kind === 'message' && (lastAnswer[e.ticket] ?? -1) > i} />`)}
        ${pending.map((m) => html`<${Pending} key=${m.client_id} m=${m} t=${t} />`)}
        ${s.agentTyping && html`<div class="typing" data-part="typing"><span class="dots"><i></i><i></i><i></i></span>${t.typing(s.agentTyping.name)}</div>`}
      </div>
      ${s.verify && html`<${Verify} v=${s.verify} t=${t} lang=${cfg.lang} onDismiss=${() => chat.dismissVerify()} />`}
      <${Alternatives} cfg=${cfg} t=${t} ticket=${s.ticket} />
      ${tooLong && html`<div class="counter">${t.tooLong(MAX_TEXT)}</div>`}
      <${UploadStatus} up=${up} t=${t} />
      <form class="composer" onSubmit=${submit}>
        <${UploadButton} up=${up} t=${t} disabled=${s.status === 'blocked'} />
        <textarea onPaste=${onPaste} ref=${inputRef} rows="1" dir="auto" aria-label=${resolved ? t.placeholderReopen : t.placeholder}
          placeholder=${resolved ? t.placeholderReopen : t.placeholder} disabled=${s.status === 'blocked'} value=${draft} onInput=${onInput} onKeyDown=${onKey}></textarea>
        <button class="btn" type="submit" aria-label=${t.send} disabled=${!draft.trim() || tooLong}>${ICON.send}</button>
      </form>
    </section>
    <button class="launcher" part="launcher" type="button" ref=${launcherRef}
      aria-label=${open ? t.close : unread > 0 ? t.launcherUnread(cfg.title || t.title, unread) : t.open} aria-expanded=${open ? 'true' : 'false'}
      onClick=${() => setOpen(!open)}>
      ${open ? ICON.close : ICON.chat}
      ${unread > 0 && html`<span class="badge" data-part="badge" aria-hidden="true">${unread > 9 ? '9+' : unread}</span>`}
    </button>
  </div>`;
}

// A held join's code (docs/continuity.md): the customer types it on the
// channel that asked to join this conversation.
function Verify({ v, t, lang, onDismiss }) {
  const ch = t.channel[v.channel] || v.channel;
  const until = v.expiresAt ? new Date(v.expiresAt).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) : '';
  return html`<div class="verify" role="alert" data-part="verify">
    <div class="verify-title">${t.verifyTitle}</div>
    <div>${t.verifyText(ch, v.from)}</div>
    <div class="verify-code" data-part="verify-code" aria-label=${v.code.split('').join(' ')}>${v.code}</div>
    ${until && html`<div class="verify-hint">${t.verifyHint(until)}</div>`}
    <button type="button" class="verify-dismiss" onClick=${onDismiss}>${t.verifyDismiss}</button>
  </div>`;
}

export function mount(container, props) {
  render(html`<${App} ...${props} />`, container);
}

// Index of the last agent reply or resolution per ticket in list.
function lastAnswers(list) {
  const out = {};
  list.forEach((x, j) => { if (x.kind === 'reply' || x.kind === 'resolution') out[x.ticket] = j; });
  return out;
}

// The score the customer gave after a survey event (a later quiet message
// carrying csat), or 0.
function scoreAfter(events, survey) {
  const i = events.indexOf(survey);
  for (let k = i + 1; k < events.length; k++) if (events[k].csat) return events[k].csat;
  return 0;
}
