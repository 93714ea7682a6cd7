// Held joins of the open case (docs/continuity.md "Held joins", docs/rest.md
// GET tickets/:ref/holds): who asked to join it from which channel, what
// they wrote (held, not in the thread), where the code went and how many
// tries were used, with Approve / Reject; the latest decided ones; and the
// case's attempt counters (joins asked for, wrong codes), so that repeated
// failures stand out.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { getLang, formatTime } from './i18n.js';

const S = {
  en: {
    title: 'Held joins', approve: 'Approve', reject: 'Reject', none: 'None waiting',
    codeTo: (ch) => `code sent by ${ch}`, noCode: 'no code sent', tries: (n) => `${n} of 3 tries used`,
    attempts: (h, f) => `${h} asked to join this case · ${f} wrong codes`, error: 'Could not do it:',
    confirmApprove: 'Join this sender to the case? They will see its conversation and receive replies.',
    held: 'held', byCode: 'code confirmed',
    status: { joined: 'joined', joining: 'joining', rejected: 'rejected' },
  },
  es: {
    title: 'Uniones retenidas', approve: 'Aprobar', reject: 'Rechazar', none: 'Ninguna pendiente',
    codeTo: (ch) => `código enviado por ${ch}`, noCode: 'sin código enviado', tries: (n) => `${n} de 3 intentos usados`,
    attempts: (h, f) => `${h} pidieron unirse a este caso · ${f} códigos erróneos`, error: 'No se pudo:',
    confirmApprove: '¿Unir este remitente al caso? Verá la conversación y recibirá las respuestas.',
    held: 'retenido', byCode: 'código confirmado',
    status: { joined: 'unido', joining: 'uniéndose', rejected: 'rechazado' },
  },
};
const L = () => S[getLang()] || S.en;

export function HeldJoins({ refNo, holds = 0, failures = 0, events = 0 }) {
  const [list, setList] = useState(null);
  const [err, setErr] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!refNo) return undefined;
    let live = true;
    (async () => {
      const r = await call('GET', `tickets/${encodeURIComponent(refNo)}/holds`);
      if (!live) return;
      setList(r.ok ? r.data.holds || [] : []);
    })();
    return () => { live = false; };
  }, [refNo, holds, failures, events, tick]);
  if (!refNo || !list) return null;
  const l = L();
  const pending = list.filter((h) => h.status === 'pending');
  const decided = list.filter((h) => h.status !== 'pending').slice(0, 5);
  const decide = async (h, how) => {
    const r = await call('POST', `holds/${encodeURIComponent(h.id)}/${how}`);
    setErr(r.ok ? '' : `${l.error} ${r.code}`);
    setTick((n) => n + 1);
  };
  return html`
    <section class="held-joins" aria-label=${l.title} data-ref=${refNo}>
      <h3 class="pane-sub">${l.title}</h3>
      ${(holds > 0 || failures > 0) && html`<p class="muted small hj-attempts">${l.attempts(holds, failures)}</p>`}
      ${err && html`<p class="error small" role="alert">${err}</p>`}
      ${pending.length ? html`<ul class="hj-list">${pending.map((h) => html`
        <li key=${h.id} data-hold=${h.id} data-identity=${h.identity}>
          <div><strong>${h.shown || h.identity}</strong> <span class="pill">${h.channel}</span> <span class="pill hj-held">${l.held}</span></div>
          <div class="muted small">${formatTime(h.created_at)} · ${h.code_to ? l.codeTo(h.code_to) : l.noCode} · ${l.tries(h.tries || 0)}</div>
          <ul class="hj-msgs">${(h.messages || []).map((m, i) => html`<li key=${i}>${m.name && html`<span class="muted small">${m.name}: </span>`}${m.text}</li>`)}</ul>
          <button type="button" class="hj-approve" title=${l.confirmApprove} onClick=${() => decide(h, 'approve')}>${l.approve}</button>
          <button type="button" class="hj-reject" onClick=${() => decide(h, 'reject')}>${l.reject}</button>
        </li>`)}</ul>` : html`<p class="muted small">${l.none}</p>`}
      ${decided.length > 0 && html`<ul class="hj-decided">${decided.map((h) => html`
        <li key=${h.id} data-hold=${h.id} data-status=${h.status} class="muted small">
          ${h.shown || h.identity} · <span class="pill">${l.status[h.status] || h.status}</span>${h.decided_by ? ` · ${h.decided_by === 'code' ? l.byCode : h.decided_by}` : ''}
        </li>`)}</ul>`}
    </section>`;
}
