// The WhatsApp template picker of the composer (docs/console.md "WhatsApp
// templates"): on a ticket reachable on WhatsApp, the agent picks one of the
// team's approved templates (team settings), fills its parameters, sees the
// preview and sends it. The server checks the template is on the team's list
// and renders the text the thread shows; outside the 24-hour window this is
// what reaches the customer there.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n.js';
import { sendText } from './store.js';
import { replyChannels } from './delivery.js';

/** The body with {{1}}… replaced by the parameters (empty ones stay {{n}}). */
export function renderTemplate(body, params) {
  return String(body || '').replace(/\{\{(\d+)\}\}/g, (m, k) => {
    const v = params[Number(k) - 1];
    return v ? v : m;
  });
}

/** A parameter the WhatsApp Cloud API takes: one line, no run of 5 spaces. */
export const paramOk = (v) => typeof v === 'string' && v.trim().length > 0 && v.length <= 1024
  && !/[\n\r\t]/.test(v) && !/ {5}/.test(v);

/** Whether the picker belongs on this ticket: WhatsApp is a way to the customer. */
export function templatesApply(c, tk) {
  return replyChannels(c?.events, tk).includes('whatsapp') || Number(tk?.wa_window_until) > 0;
}

export function TemplatePicker({ s, c, tk, mode, disabled }) {
  const list = s.team?.templates || [];
  const until = Number(tk?.wa_window_until) || 0;
  const closed = until > 0 && until <= (s.now || Date.now());
  const [open, setOpen] = useState(false);
  const [pick, setPick] = useState('');
  const [params, setParams] = useState([]);
  const [err, setErr] = useState('');
  useEffect(() => { setOpen(false); setPick(''); setParams([]); setErr(''); }, [c.ref]);

  if (mode === 'note' || !templatesApply(c, tk)) return null;
  const tpl = pick === '' ? null : list[Number(pick)];
  const n = tpl ? Number(tpl.params) || 0 : 0;
  const preview = tpl ? renderTemplate(tpl.body, params) : '';

  function choose(e) {
    const v = e.currentTarget.value;
    setPick(v);
    setParams(Array.from({ length: v === '' ? 0 : Number(list[Number(v)]?.params) || 0 }, () => ''));
    setErr('');
  }
  function send() {
    if (!tpl) return;
    const ps = params.slice(0, n).map((p) => p.trim());
    if (ps.length !== n || !ps.every(paramOk)) {
      setErr(t('tpl.fill'));
      return;
    }
    const frameTpl = { name: tpl.name, language: tpl.language, params: ps };
    if (sendText(mode, renderTemplate(tpl.body, ps), undefined, frameTpl)) {
      setOpen(false);
      setPick('');
      setParams([]);
      setErr('');
    }
  }
  function onKey(e) {
    if (e.key === 'Enter') { // not the composer's own submit
      e.preventDefault();
      send();
    }
  }

  return html`
    <div class="tpl-bar" data-templates>
      ${closed && html`<span class="tpl-hint small" data-tpl-hint>${t('tpl.closedHint')}</span>`}
      <button type="button" class=${`btn sm${closed ? ' primary' : ''}`} data-action="template" aria-expanded=${open ? 'true' : 'false'}
        aria-controls="tpl-panel" aria-label=${t('tpl.openLabel')} disabled=${disabled}
        onClick=${() => setOpen(!open)}>${t('tpl.open')}</button>
    </div>
    ${open && html`
      <fieldset class="tpl-panel" id="tpl-panel">
        <legend>${t('tpl.title')}</legend>
        ${list.length === 0 ? html`<p class="muted small">${t('tpl.none')}</p>` : html`
          <div class="tpl-field">
            <label for="tpl-pick">${t('tpl.pick')}</label>
            <select id="tpl-pick" value=${pick} onChange=${choose}>
              <option value="">${t('tpl.choose')}</option>
              ${list.map((x, i) => html`<option value=${String(i)}>${x.name} (${x.language})</option>`)}
            </select>
          </div>
          ${params.map((p, i) => html`
            <div class="tpl-field">
              <label for=${`tpl-p${i + 1}`}>${t('tpl.param', { n: i + 1 })}</label>
              <input id=${`tpl-p${i + 1}`} data-tpl-param=${String(i + 1)} maxlength="1024" value=${p} onKeyDown=${onKey}
                onInput=${(e) => { const v = e.currentTarget.value; setParams((xs) => xs.map((y, j) => (j === i ? v : y))); setErr(''); }} />
            </div>`)}
          ${tpl && html`
            <div class="tpl-preview" role="group" aria-labelledby="tpl-preview-h">
              <span id="tpl-preview-h" class="muted small">${t('tpl.preview')}</span>
              <p data-tpl-preview aria-live="polite">${preview}</p>
            </div>`}
          ${err && html`<p class="field-error" role="alert">${err}</p>`}
          <div class="tpl-actions">
            <button type="button" class="btn sm primary" data-send="template" disabled=${!tpl || disabled} onClick=${send}>${t('tpl.send')}</button>
            <button type="button" class="btn sm" onClick=${() => setOpen(false)}>${t('tpl.cancel')}</button>
          </div>`}
      </fieldset>`}`;
}
