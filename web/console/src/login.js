import { html } from 'htm/preact';
import { useState, useRef, useEffect } from 'preact/hooks';
import { t } from './i18n.js';
import { signIn } from './store.js';
import { LangToggle } from './widgets.js';

export function Login({ s }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const nameRef = useRef(null);
  const passRef = useRef(null);
  useEffect(() => {
    nameRef.current?.focus();
  }, []);

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    if (!name.trim() || !password) {
      (name.trim() ? passRef : nameRef).current?.focus();
      return;
    }
    setBusy(true);
    setErr('');
    const r = await signIn(name.trim(), password);
    if (!r.ok) {
      setBusy(false);
      setErr(r.text);
      setPassword('');
      passRef.current?.focus();
    }
  }

  const msg = err ? { kind: 'error', text: err } : s.loginMessage;
  return html`
    <main class="login" aria-labelledby="login-title">
      <div class="login-card">
        <div class="login-top">
          <div class="brand brand-lg" aria-hidden="true"><span class="brand-mark">h</span> Hilo</div>
          <${LangToggle} lang=${s.settings.lang} />
        </div>
        <h1 id="login-title">${t('login.title')}</h1>
        <p class="muted">${t('login.subtitle')}</p>
        ${msg && html`<div class=${`login-msg ${msg.kind}`} role=${msg.kind === 'error' ? 'alert' : 'status'}>${msg.text}</div>`}
        <form onSubmit=${submit} novalidate>
          <label for="login-name">${t('login.name')}</label>
          <input id="login-name" name="username" ref=${nameRef} autocomplete="username" autocapitalize="none"
            spellcheck="false" required value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
          <label for="login-password">${t('login.password')}</label>
          <input id="login-password" name="password" type="password" ref=${passRef} autocomplete="current-password"
            required value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
          <button type="submit" class="btn primary block" disabled=${busy}>${busy ? t('login.busy') : t('login.submit')}</button>
        </form>
      </div>
    </main>`;
}
