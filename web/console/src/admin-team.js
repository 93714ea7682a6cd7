// Admin screen, team settings (docs/console.md, docs/rest.md): each team's
// canned responses, waiting-time thresholds and approved WhatsApp templates,
// kept on the server. Teams without their own use the default team's; an
// admin may delete a team's (after confirming).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { t, getLang } from './i18n.js';
import { toast, errorText, loadTeamSettings } from './store.js';
import { DEFAULT_CANNED } from './storage.js';

const TEAM_RE = /^[A-Za-z0-9._-]{1,64}$/;

// The form's sections as the PUT body carries them.
function sections(form) {
  return {
    canned: form.canned
      .filter((c) => c.title.trim() && c.text.trim())
      .map((c) => ({ title: c.title.trim(), text: c.text })),
    thresholds: { amber_minutes: Number(form.amber), red_minutes: Number(form.red) },
    templates: form.templates
      .filter((x) => x.name.trim() || x.body.trim())
      .map((x) => {
        const o = { name: x.name.trim(), language: x.language.trim(), body: x.body, params: Number(x.params) };
        if (x.sid.trim()) o.content_sid = x.sid.trim();
        return o;
      }),
  };
}

export function TeamSettings({ teams }) {
  const [team, setTeam] = useState('default');
  const [form, setForm] = useState(null); // {amber, red, canned}
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false); // the delete confirmation
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    let gone = false;
    setForm(null);
    setErr('');
    setAsking(false);
    api.getTeamSettingsOf(team).then((r) => {
      if (gone) return;
      if (!r.ok) { setErr(errorText(r)); return; }
      const d = r.data || {};
      const canned = Array.isArray(d.canned) ? d.canned : DEFAULT_CANNED[getLang() === 'es' ? 'es' : 'en'];
      const f = {
        amber: String(d.thresholds?.amber_minutes ?? 5),
        red: String(d.thresholds?.red_minutes ?? 15),
        canned: canned.map((c) => ({ title: c.title, text: c.text })),
        templates: (Array.isArray(d.templates) ? d.templates : []).map((x) => ({
          name: x.name, language: x.language, body: x.body, params: String(x.params), sid: x.content_sid || '',
        })),
        inherited: Array.isArray(d.inherited) ? d.inherited : [],
      };
      f.loaded = sections(f);
      setForm(f);
    });
    return () => { gone = true; };
  }, [team, loads]);

  const setTpls = (fn) => setForm((f) => ({ ...f, templates: fn(f.templates) }));
  const editTpl = (i, key, v) => setTpls((list) => list.map((x, j) => (j === i ? { ...x, [key]: v } : x)));

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
    const now = sections(form);
    const { canned } = now;
    // What the team inherits and the admin left as shown is not sent, so
    // it keeps following the default team's (docs/console.md).
    const body = {};
    for (const k of ['canned', 'thresholds', 'templates']) {
      if (!form.inherited.includes(k) || JSON.stringify(now[k]) !== JSON.stringify(form.loaded[k])) body[k] = now[k];
    }
    setBusy(true);
    const res = await api.putTeamSettings(team, body);
    setBusy(false);
    if (!res.ok) { setErr(res.code === 'bad_frame' ? `${t('teamset.bad')} ${t('teamset.tplBad')}` : errorText(res)); return; }
    setErr('');
    setForm((f) => ({ ...f, canned }));
    setLoads((n) => n + 1); // what the team now sets itself, and inherits
    toast(t('teamset.saved', { team }), 'ok', 2500);
    loadTeamSettings(); // the admin's own console follows at once
  }

  async function remove() {
    setAsking(false);
    setBusy(true);
    const res = await api.deleteTeamSettings(team);
    setBusy(false);
    if (!res.ok) { setErr(errorText(res)); return; }
    toast(t('teamset.deleted', { team }), 'ok', 2500);
    setLoads((n) => n + 1); // show what applies now
    loadTeamSettings();
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
            <legend>${t('settings.thresholds')}${form.inherited.includes('thresholds') && html` <span class="muted small" data-inherited="thresholds">${t('teamset.inherited')}</span>`}</legend>
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
            <legend>${t('settings.canned')}${form.inherited.includes('canned') && html` <span class="muted small" data-inherited="canned">${t('teamset.inherited')}</span>`}</legend>
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
          <fieldset>
            <legend>${t('teamset.templates')}${form.inherited.includes('templates') && html` <span class="muted small" data-inherited="templates">${t('teamset.inherited')}</span>`}</legend>
            <p class="muted small">${t('teamset.templatesHint')}</p>
            <ol class="tpl-list">
              ${form.templates.map((x, i) => html`
                <li data-tpl-row=${String(i + 1)}>
                  <input aria-label=${`${t('teamset.tplName')} ${i + 1}`} placeholder=${t('teamset.tplName')} value=${x.name} maxlength="512"
                    onInput=${(e) => editTpl(i, 'name', e.currentTarget.value)} />
                  <input aria-label=${`${t('teamset.tplLang')} ${i + 1}`} placeholder="es" value=${x.language} maxlength="15"
                    onInput=${(e) => editTpl(i, 'language', e.currentTarget.value)} />
                  <input type="number" min="0" max="10" step="1" aria-label=${`${t('teamset.tplParams')} ${i + 1}`} value=${x.params}
                    onInput=${(e) => editTpl(i, 'params', e.currentTarget.value)} />
                  <button type="button" class="btn sm icon" aria-label=${t('teamset.tplDelete', { name: x.name || i + 1 })}
                    onClick=${() => setTpls((list) => list.filter((_, j) => j !== i))}>✕</button>
                  <textarea rows="2" aria-label=${`${t('teamset.tplBody')} ${i + 1}`} placeholder=${t('teamset.tplBody')} value=${x.body}
                    maxlength="1024" onInput=${(e) => editTpl(i, 'body', e.currentTarget.value)}></textarea>
                  <input class="tpl-sid" aria-label=${`${t('teamset.tplSid')} ${i + 1}`} placeholder=${t('teamset.tplSid')} value=${x.sid}
                    maxlength="34" onInput=${(e) => editTpl(i, 'sid', e.currentTarget.value)} />
                </li>`)}
            </ol>
            ${form.templates.length < 50 && html`
              <button type="button" class="btn sm" data-action="tpl-add"
                onClick=${() => setTpls((list) => [...list, { name: '', language: '', body: '', params: '0', sid: '' }])}>+ ${t('teamset.tplAdd')}</button>`}
          </fieldset>
          ${err && html`<p class="field-error" role="alert">${err}</p>`}
          <div class="sla-actions">
            <button type="submit" class="btn sm primary" disabled=${busy}>${t('teamset.save')}</button>
            <button type="button" class="btn sm danger" data-action="teamset-delete" disabled=${busy}
              onClick=${() => setAsking(true)}>${t('teamset.delete')}</button>
          </div>
          ${asking && html`
            <div class="confirm" role="alertdialog" aria-labelledby="ts-del-q" data-confirm="teamset-delete">
              <p id="ts-del-q">${t('teamset.deleteConfirm', { team: team === 'default' ? t('teamset.default') : team })}</p>
              <button type="button" class="btn sm danger" data-action="teamset-delete-yes" onClick=${remove}>${t('teamset.delete')}</button>
              <button type="button" class="btn sm" onClick=${() => setAsking(false)}>${t('tpl.cancel')}</button>
            </div>`}
        </form>`}
    </section>`;
}
