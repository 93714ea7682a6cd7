// Admin screen, team settings (docs/console.md, docs/rest.md): each team's
// canned responses and waiting-time thresholds, kept on the server. Teams
// without their own use the default team's.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { t, getLang } from './i18n.js';
import { toast, errorText, loadTeamSettings } from './store.js';
import { DEFAULT_CANNED } from './storage.js';

const TEAM_RE = /^[A-Za-z0-9._-]{1,64}$/;

export function TeamSettings({ teams }) {
  const [team, setTeam] = useState('default');
  const [form, setForm] = useState(null); // {amber, red, canned}
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let gone = false;
    setForm(null);
    setErr('');
    api.getTeamSettingsOf(team).then((r) => {
      if (gone) return;
      if (!r.ok) { setErr(errorText(r)); return; }
      const d = r.data || {};
      const canned = Array.isArray(d.canned) ? d.canned : DEFAULT_CANNED[getLang() === 'es' ? 'es' : 'en'];
      setForm({
        amber: String(d.thresholds?.amber_minutes ?? 5),
        red: String(d.thresholds?.red_minutes ?? 15),
        canned: canned.map((c) => ({ title: c.title, text: c.text })),
      });
    });
    return () => { gone = true; };
  }, [team]);

  const setCanned = (fn) => setForm((f) => ({ ...f, canned: fn(f.canned) }));
  const editCanned = (i, key, v) => setCanned((list) => list.map((c, j) => (j === i ? { ...c, [key]: v } : c)));

  async function save(e) {
    e.preventDefault();
    const a = Number(form.amber);
    const r = Number(form.red);
    if (!(Number.isInteger(a) && Number.isInteger(r) && a >= 1 && r <= 1440 && r > a)) {
      setErr(t('settings.thresholdError'));
      return;
    }
    const canned = form.canned
      .filter((c) => c.title.trim() && c.text.trim())
      .map((c) => ({ title: c.title.trim(), text: c.text }));
    setBusy(true);
    const res = await api.putTeamSettings(team, { canned, thresholds: { amber_minutes: a, red_minutes: r } });
    setBusy(false);
    if (!res.ok) { setErr(res.code === 'bad_frame' ? t('teamset.bad') : errorText(res)); return; }
    setErr('');
    setForm((f) => ({ ...f, canned }));
    toast(t('teamset.saved', { team }), 'ok', 2500);
    loadTeamSettings(); // the admin's own console follows at once
  }

  const choices = ['default', ...teams.filter((x) => x && x !== 'default' && TEAM_RE.test(x))];
  return html`
    <section class="team-settings" aria-labelledby="team-settings-h">
      <h3 id="team-settings-h">${t('teamset.title')}</h3>
      <p class="muted small">${t('teamset.help')}</p>
      <div class="sla-field">
        <label for="ts-team">${t('teamset.team')}</label>
        <select id="ts-team" value=${team} onChange=${(e) => setTeam(e.currentTarget.value)}>
          ${choices.map((x) => html`<option value=${x}>${x === 'default' ? t('teamset.default') : x}</option>`)}
        </select>
      </div>
      ${!form ? html`<p class="muted">${err || t('admin.loading')}</p>` : html`
        <form class="card settings" onSubmit=${save} data-team-settings=${team}>
          <fieldset>
            <legend>${t('settings.thresholds')}</legend>
            <div class="row2">
              <label><span><span class="thr amber" aria-hidden="true"></span>${t('settings.amber')}</span>
                <input id="ts-amber" type="number" min="1" max="1440" step="1" required value=${form.amber}
                  onInput=${(e) => { const v = e.currentTarget.value; setForm((f) => ({ ...f, amber: v })); }} /></label>
              <label><span><span class="thr red" aria-hidden="true"></span>${t('settings.red')}</span>
                <input id="ts-red" type="number" min="1" max="1440" step="1" required value=${form.red}
                  onInput=${(e) => { const v = e.currentTarget.value; setForm((f) => ({ ...f, red: v })); }} /></label>
            </div>
          </fieldset>
          <fieldset>
            <legend>${t('settings.canned')}</legend>
            <p class="muted small">${t('settings.cannedHint')}</p>
            <ol class="canned-list">
              ${form.canned.map((c, i) => html`
                <li>
                  <input aria-label=${`${t('settings.cannedTitle')} ${i + 1}`} placeholder=${t('settings.cannedTitle')} value=${c.title}
                    maxlength="100" onInput=${(e) => editCanned(i, 'title', e.currentTarget.value)} />
                  <textarea rows="2" aria-label=${`${t('settings.cannedText')} ${i + 1}`} placeholder=${t('settings.cannedText')} value=${c.text}
                    maxlength="4000" onInput=${(e) => editCanned(i, 'text', e.currentTarget.value)}></textarea>
                  <button type="button" class="btn sm icon" aria-label=${t('settings.cannedDelete', { title: c.title || i + 1 })}
                    onClick=${() => setCanned((list) => list.filter((_, j) => j !== i))}>✕</button>
                </li>`)}
            </ol>
            ${form.canned.length < 50 && html`
              <button type="button" class="btn sm" onClick=${() => setCanned((list) => [...list, { title: '', text: '' }])}>+ ${t('settings.cannedAdd')}</button>`}
          </fieldset>
          ${err && html`<p class="field-error" role="alert">${err}</p>`}
          <div class="sla-actions">
            <button type="submit" class="btn sm primary" disabled=${busy}>${t('teamset.save')}</button>
          </div>
        </form>`}
    </section>`;
}
