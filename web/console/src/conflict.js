// Working together (#13): before a reply or resolution goes out, is another
// agent answering the same customer? Two agents once sent "replacement" and
// "refund" to the same person. Pure helper plus the warning shown in the
// composer; the composer decides when to ask.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import { t, formatTime } from './i18n.js';

/** How far back a colleague's reply counts as "just replied", at least. */
export const RECENT_MS = 2 * 60 * 1000;

/**
 * {typing: [names], replies: [{name, ts, text}]}, or null when nobody else
 * is answering: other agents typing a reply now, and replies or resolutions
 * by other agents since the draft began (and in any case in the last two
 * minutes). me: the signed-in agent's login name; agents: [{name, display}].
 */
export function sendConflicts({ events, typing }, me, { now, since, agents = [] }) {
  const disp = (id, fallback) => (agents.find((a) => a.name === id)?.display) || fallback || id;
  const typers = Object.values(typing || {})
    .filter((e) => e && e.role === 'agent' && e.name && (!e.until || e.until > now))
    .map((e) => e.name);
  const from = Math.min(since || now, now - RECENT_MS);
  const replies = (events || [])
    .filter((ev) => ev && (ev.kind === 'reply' || ev.kind === 'resolution') && ev.author?.role === 'agent'
      && ev.author.id !== me && Number(ev.ts) >= from)
    .map((ev) => ({ name: disp(ev.author.id, ev.author.name), ts: ev.ts, text: ev.text || '' }));
  if (!typers.length && !replies.length) return null;
  return { typing: [...new Set(typers)], replies: replies.slice(-2) };
}

const short = (s) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** The question under the composer: send anyway, or not. */
export function ConflictWarning({ conflict, onSend, onCancel }) {
  const sendBtn = useRef(null);
  useEffect(() => {
    sendBtn.current?.focus();
  }, []);
  return html`
    <div class="conflict" role="alert" data-conflict>
      <p class="cf-title"><strong>${t('conflict.title')}</strong></p>
      ${conflict.typing.length > 0 && html`<p class="cf-typing">${t('conflict.typing', { names: conflict.typing.join(', ') })}</p>`}
      ${conflict.replies.map((r) => html`<p class="cf-reply">${t('conflict.replied', { name: r.name, t: formatTime(r.ts), text: short(r.text) })}</p>`)}
      <div class="cf-actions">
        <button type="button" class="btn sm primary" ref=${sendBtn} onClick=${onSend} data-action="send-anyway">${t('conflict.send')}</button>
        <button type="button" class="btn sm" onClick=${onCancel} data-action="dont-send">${t('conflict.cancel')}</button>
      </div>
    </div>`;
}
