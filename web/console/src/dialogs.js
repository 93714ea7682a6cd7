import { html } from 'htm/preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from './i18n.js';
import { closeDialog, updateSettings, toast } from './store.js';
import { requestDesktopPermission, desktopSupported, unlockAudio, chime } from './notify.js';

export function Dialog({ title, id, children, wide, onClose = closeDialog, role = 'dialog', describedBy }) {
  const ref = useRef(null);
  useLayoutEffect(() => {
    const prev = document.activeElement;
    const el = ref.current;
    const first = el?.querySelector('input, select, textarea, button:not(.dlg-x)') || el?.querySelector('button');
    first?.focus();
    return () => {
      if (prev && typeof prev.focus === 'function' && document.contains(prev)) prev.focus();
    };
  }, []);
  function onKeyDown(e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'Tab') {
      // keep focus inside the dialog
      const items = [...ref.current.querySelectorAll('button, input, select, textarea, [tabindex="0"]')].filter((x) => !x.disabled);
      if (!items.length) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    }
  }
  return html`
    <div class="backdrop" onMouseDown=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div class=${`dialog${wide ? ' wide' : ''}`} role=${role} aria-modal="true" aria-labelledby=${`${id}-title`} aria-describedby=${describedBy}
        ref=${ref} onKeyDown=${onKeyDown}>
        <div class="dlg-head">
          <h2 id=${`${id}-title`}>${title}</h2>
          <button type="button" class="btn sm icon dlg-x" onClick=${onClose} aria-label=${t('settings.close')}>✕</button>
        </div>
        ${children}
      </div>
    </div>`;
}

export function HelpDialog() {
  const rows = [
    [['j', 'k'], 'help.jk'],
    [['r'], 'help.r'],
    [['n'], 'help.n'],
    [['e'], 'help.e'],
    [['a'], 'help.a'],
    [['p'], 'help.p'],
    [['o'], 'help.o'],
    [['Ctrl', 'Enter'], 'help.send'],
    [['Esc'], 'help.esc'],
    [['f'], 'help.f'],
    [['/'], 'help.slash'],
    [['?'], 'help.help'],
  ];
  return html`
    <${Dialog} title=${t('help.title')} id="help">
      <table class="keys">
        <tbody>
          ${rows.map(([keys, label]) => html`
            <tr><th scope="row">${keys.map((k, i) => html`${i ? (k === 'Enter' ? ' + ' : ' / ') : ''}<kbd>${k}</kbd>`)}</th><td>${t(label)}</td></tr>`)}
        </tbody>
      </table>
    <//>`;
}

export function SettingsDialog({ s }) {
  const st = s.settings;
  const [amber, setAmber] = useState(String(st.amberMin));
  const [red, setRed] = useState(String(st.redMin));
  const [sound, setSound] = useState(!!st.sound);
  const [desktop, setDesktop] = useState(!!st.desktop);
  const [canned, setCanned] = useState(st.canned.map((c) => ({ ...c })));
  const [err, setErr] = useState('');
  const [denied, setDenied] = useState(desktopSupported() && Notification.permission === 'denied');

  async function toggleDesktop(e) {
    const on = e.currentTarget.checked;
    if (on) {
      const p = await requestDesktopPermission();
      if (p !== 'granted') {
        setDenied(true);
        setDesktop(false);
        return;
      }
      setDenied(false);
    }
    setDesktop(on);
  }

  function save(e) {
    e.preventDefault();
    const a = Number(amber);
    const r = Number(red);
    if (!(a >= 1 && a <= 1440 && r >= 1 && r <= 1440 && r > a)) {
      setErr(t('settings.thresholdError'));
      return;
    }
    updateSettings({
      amberMin: a,
      redMin: r,
      sound,
      desktop,
      canned: canned.filter((c) => c.title.trim() && c.text.trim()).map((c) => ({ title: c.title.trim(), text: c.text })),
    });
    if (sound) {
      unlockAudio();
      chime();
    }
    toast(t('settings.saved'), 'ok', 2500);
    closeDialog();
  }

  function editCanned(i, key, v) {
    setCanned((list) => list.map((c, j) => (j === i ? { ...c, [key]: v } : c)));
  }

  return html`
    <${Dialog} title=${t('settings.title')} id="settings" wide>
      <form class="settings" onSubmit=${save}>
        <fieldset>
          <legend>${t('settings.thresholds')}</legend>
          <div class="row2">
            <label><span><span class="thr amber" aria-hidden="true"></span>${t('settings.amber')}</span>
              <input id="set-amber" type="number" min="1" max="1440" step="1" required value=${amber}
                onInput=${(e) => setAmber(e.currentTarget.value)} /></label>
            <label><span><span class="thr red" aria-hidden="true"></span>${t('settings.red')}</span>
              <input id="set-red" type="number" min="1" max="1440" step="1" required value=${red}
                onInput=${(e) => setRed(e.currentTarget.value)} /></label>
          </div>
          ${err && html`<p class="field-error" role="alert">${err}</p>`}
        </fieldset>
        <fieldset>
          <legend>${t('settings.notify')}</legend>
          <label class="check"><input type="checkbox" id="set-sound" checked=${sound} onChange=${(e) => setSound(e.currentTarget.checked)} /> ${t('settings.sound')}</label>
          <label class="check"><input type="checkbox" id="set-desktop" checked=${desktop} disabled=${!desktopSupported()} onChange=${toggleDesktop} /> ${t('settings.desktop')}</label>
          ${denied && html`<p class="muted small">${t('settings.desktopDenied')}</p>`}
        </fieldset>
        <fieldset>
          <legend>${t('settings.canned')}</legend>
          <p class="muted small">${t('settings.cannedHint')}</p>
          <ol class="canned-list">
            ${canned.map((c, i) => html`
              <li>
                <input aria-label=${`${t('settings.cannedTitle')} ${i + 1}`} placeholder=${t('settings.cannedTitle')} value=${c.title}
                  onInput=${(e) => editCanned(i, 'title', e.currentTarget.value)} />
                <textarea rows="2" aria-label=${`${t('settings.cannedText')} ${i + 1}`} placeholder=${t('settings.cannedText')} value=${c.text}
                  onInput=${(e) => editCanned(i, 'text', e.currentTarget.value)}></textarea>
                <button type="button" class="btn sm icon" aria-label=${t('settings.cannedDelete', { title: c.title || i + 1 })}
                  onClick=${() => setCanned((list) => list.filter((_, j) => j !== i))}>✕</button>
              </li>`)}
          </ol>
          <button type="button" class="btn sm" onClick=${() => setCanned((list) => [...list, { title: '', text: '' }])}>+ ${t('settings.cannedAdd')}</button>
        </fieldset>
        <div class="dlg-foot">
          <button type="button" class="btn" onClick=${closeDialog}>${t('settings.close')}</button>
          <button type="submit" class="btn primary">${t('settings.save')}</button>
        </div>
      </form>
    <//>`;
}
