// Admin screen, SLA settings per team (docs/sla.md, docs/rest.md): time
// zone, weekly hours, holidays, targets and the warning lead time.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { t } from './i18n.js';
import { toast, errorText } from './store.js';

const NUMS = ['first_response_minutes', 'resolution_minutes', 'warning_minutes'];

function formOf(x) {
  return {
    team: x.team || '', timezone: x.timezone || '', hours: x.hours || '',
    holidays: (x.holidays || []).join(', '),
    first_response_minutes: String(x.first_response_minutes ?? 0),
    resolution_minutes: String(x.resolution_minutes ?? 0),
    warning_minutes: String(x.warning_minutes ?? 0),
  };
}

function bodyOf(f) {
  const b = { timezone: f.timezone.trim(), hours: f.hours.trim(), holidays: f.holidays.split(/[\s,]+/).filter(Boolean) };
  for (const k of NUMS) b[k] = Number(f[k]);
  return b;
}

function TeamRow({ x, isNew, onSaved, onRemoved }) {
  const [f, setF] = useState(formOf(x));
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const upd = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const id = (k) => `sla-${isNew ? 'new' : f.team}-${k}`;
  async function save(e) {
    e.preventDefault();
    const team = f.team.trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(team)) { setErr(t('sla.badTeam')); return; }
    setBusy(true);
    const r = await api.putSlaTeam(team, bodyOf(f));
    setBusy(false);
    if (!r.ok) { setErr(r.code === 'bad_frame' ? t('sla.badSettings') : errorText(r)); return; }
    setErr('');
    toast(t('sla.saved', { team }), 'ok', 2500);
    onSaved();
  }
  async function remove() {
    const r = await api.deleteSlaTeam(f.team);
    if (!r.ok) toast(errorText(r), 'error', 8000);
    onRemoved();
  }
  const field = (k, label, attrs = {}) => html`
    <label class="sla-field" for=${id(k)}><span>${label}</span>
      <input id=${id(k)} value=${f[k]} onInput=${upd(k)} ...${attrs} /></label>`;
  return html`
    <form class="card sla-team" onSubmit=${save} data-sla-team=${isNew ? '' : f.team} aria-label=${isNew ? t('sla.newTeam') : f.team}>
      ${isNew ? field('team', t('sla.team'), { maxlength: 64, required: true }) : html`<h4>${f.team}</h4>`}
      ${field('timezone', t('sla.timezone'), { placeholder: 'Europe/Madrid' })}
      ${field('hours', t('sla.hours'), { placeholder: 'mon-fri 09:00-18:00' })}
      ${field('holidays', t('sla.holidays'), { placeholder: '2026-12-25, 2027-01-01' })}
      ${field('first_response_minutes', t('sla.frMinutes'), { type: 'number', min: 0 })}
      ${field('resolution_minutes', t('sla.resMinutes'), { type: 'number', min: 0 })}
      ${field('warning_minutes', t('sla.warnMinutes'), { type: 'number', min: 0 })}
      ${err && html`<p class="error-text small" role="alert">${err}</p>`}
      <div class="sla-actions">
        <button type="submit" class="btn sm primary" disabled=${busy}>${t('sla.save')}</button>
        ${!isNew && f.team !== 'default' && html`<button type="button" class="btn sm" onClick=${remove}>${t('sla.remove')}</button>`}
      </div>
    </form>`;
}

export function SlaSettings() {
  const [teams, setTeams] = useState(null);
  const [gen, setGen] = useState(0);
  async function load() {
    const r = await api.listSlaTeams();
    setTeams(r.ok ? r.data.teams : []);
    setGen((g) => g + 1);
  }
  useEffect(() => { load(); }, []);
  return html`
    <section class="sla-settings" aria-labelledby="sla-settings-h">
      <h3 id="sla-settings-h">${t('sla.title')}</h3>
      <p class="muted small">${t('sla.help')}</p>
      ${teams === null ? html`<p class="muted">${t('admin.loading')}</p>` : html`
        ${teams.map((x) => html`<${TeamRow} key=${`${x.team}-${gen}`} x=${x} onSaved=${load} onRemoved=${load} />`)}
        <${TeamRow} key=${`new-${gen}`} isNew x=${{ ...(teams[0] || {}), team: '', holidays: [] }} onSaved=${load} onRemoved=${load} />`}
    </section>`;
}
