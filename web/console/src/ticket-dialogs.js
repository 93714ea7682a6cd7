// Dialogs about the open ticket: transfer with a note, pending with a follow-up.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t, formatFull } from './i18n.js';
import { closeDialog, transfer, setStatus, loadAgents } from './store.js';
import { teamsOf, toDateTimeInput, parseLocalInput, formatRef } from './util.js';
import { Dialog } from './dialogs.js';

export function TransferDialog({ s }) {
  const tk = s.current?.ticket || {};
  const [agentName, setAgent] = useState('');
  const [team, setTeam] = useState('');
  const [note, setNote] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => { loadAgents(); }, []);
  const teams = teamsOf(s.agents, Object.values(s.tickets));
  const others = s.agents.filter((a) => a.name !== tk.assignee);

  function pickAgent(name) {
    setAgent(name);
    const a = s.agents.find((x) => x.name === name);
    if (a) setTeam(a.team || '');
  }
  async function submit(e) {
    e.preventDefault();
    if (!agentName && !team) { setErr(t('transfer.needTarget')); return; }
    if (!note.trim()) { setErr(t('transfer.needNote')); document.getElementById('transfer-note')?.focus(); return; }
    setErr('');
    setBusy(true);
    const ok = await transfer(agentName, team, note);
    setBusy(false);
    if (ok) closeDialog();
  }
  return html`
    <${Dialog} title=${`${t('transfer.title')} · ${formatRef(tk.ref || s.current?.ref)}`} id="transfer">
      <form class="dlg-form" onSubmit=${submit} novalidate>
        <div class="row2">
          <div class="field"><label for="transfer-agent">${t('transfer.agent')}</label>
            <select id="transfer-agent" value=${agentName} onChange=${(e) => pickAgent(e.currentTarget.value)}>
              <option value="">${t('transfer.agentNone')}</option>
              ${others.map((a) => html`<option value=${a.name}>${a.display || a.name} (${a.name})${a.team ? ` · ${a.team}` : ''}</option>`)}
            </select></div>
          <div class="field"><label for="transfer-team">${t('transfer.team')}</label>
            <select id="transfer-team" value=${team} onChange=${(e) => setTeam(e.currentTarget.value)}>
              <option value="">${t('ticket.teamNone')}</option>
              ${teams.map((x) => html`<option value=${x}>${x}</option>`)}
            </select></div>
        </div>
        <div class="field"><label for="transfer-note"><span class="lock" aria-hidden="true"></span>${t('transfer.note')}</label>
          <textarea id="transfer-note" rows="4" required value=${note} placeholder=${t('transfer.notePlaceholder')}
            onInput=${(e) => setNote(e.currentTarget.value)}
            onKeyDown=${(e) => { if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') submit(e); }}></textarea></div>
        ${err && html`<p class="field-error" role="alert">${err}</p>`}
        <div class="dlg-foot">
          <button type="button" class="btn" onClick=${closeDialog}>${t('ticket.cancel')}</button>
          <button type="submit" class="btn primary" disabled=${busy} data-action="transfer-go">${t('transfer.go')}</button>
        </div>
      </form>
    <//>`;
}

function tomorrowAt9(now) {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d.getTime();
}

export function FollowUpDialog({ s }) {
  const tk = s.current?.ticket || {};
  const now = Date.now();
  const initial = tk.follow_up_at && tk.follow_up_at > now ? tk.follow_up_at : tomorrowAt9(now);
  const [when, setWhen] = useState(toDateTimeInput(initial));
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const ms = parseLocalInput(when);
  async function submit(e) {
    e.preventDefault();
    if (!Number.isFinite(ms) || ms <= Date.now()) { setErr(t('followup.past')); return; }
    setBusy(true);
    const ok = await setStatus('pending', ms);
    setBusy(false);
    if (ok) closeDialog();
  }
  const quick = [
    ['followup.in1h', () => Date.now() + 3600000],
    ['followup.tomorrow', () => tomorrowAt9(Date.now())],
    ['followup.in3d', () => Date.now() + 3 * 86400000],
  ];
  return html`
    <${Dialog} title=${t('followup.title')} id="followup" describedBy="followup-hint">
      <form class="dlg-form" onSubmit=${submit} novalidate>
        <div class="field"><label for="followup-at">${t('followup.when')}</label>
          <input id="followup-at" type="datetime-local" value=${when} min=${toDateTimeInput(now)} required
            aria-invalid=${err ? 'true' : 'false'} onInput=${(e) => { setWhen(e.currentTarget.value); setErr(''); }} /></div>
        <div class="quick" role="group" aria-label=${t('followup.quick')}>
          ${quick.map(([k, f]) => html`<button type="button" class="btn sm" onClick=${() => setWhen(toDateTimeInput(f()))}>${t(k)}</button>`)}
        </div>
        ${Number.isFinite(ms) && html`<p class="muted small">${formatFull(ms)}</p>`}
        <p class="muted small" id="followup-hint">${t('followup.hint')}</p>
        ${err && html`<p class="field-error" role="alert">${err}</p>`}
        <div class="dlg-foot">
          <button type="button" class="btn" onClick=${closeDialog}>${t('ticket.cancel')}</button>
          <button type="submit" class="btn primary" disabled=${busy} data-action="followup-go">${t('followup.go')}</button>
        </div>
      </form>
    <//>`;
}
