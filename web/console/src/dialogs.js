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
  const [sound, setSound] = useState(!!st.sound);
  const [desktop, setDesktop] = useState(!!st.desktop);
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
    updateSettings({ sound, desktop });
    if (sound) {
      unlockAudio();
      chime();
    }
    toast(t('settings.saved'), 'ok', 2500);
    closeDialog();
  }

  return html`
    <${Dialog} title=${t('settings.title')} id="settings" wide>
      <form class="settings" onSubmit=${save}>
        <fieldset>
          <legend>${t('settings.notify')}</legend>
          <label class="check"><input type="checkbox" id="set-sound" checked=${sound} onChange=${(e) => setSound(e.currentTarget.checked)} /> ${t('settings.sound')}</label>
          <label class="check"><input type="checkbox" id="set-desktop" checked=${desktop} disabled=${!desktopSupported()} onChange=${toggleDesktop} /> ${t('settings.desktop')}</label>
          ${denied && html`<p class="muted small">${t('settings.desktopDenied')}</p>`}
        </fieldset>
        <p class="muted small">${t('settings.teamHint')}</p>
        <div class="dlg-foot">
          <button type="button" class="btn" onClick=${closeDialog}>${t('settings.close')}</button>
          <button type="submit" class="btn primary">${t('settings.save')}</button>
        </div>
      </form>
    <//>`;
}
