// Hilo chat widget: `<script src="https://<hilo>/widget.js" data-…></script>`
// adds a launcher button and a chat panel inside a shadow root. See
// docs/widget.md for the options. Bundled by web/build.mjs into web/widget.js.

import { STRINGS, pickLang } from './strings.js';
import { createStore } from './store.js';
import { Chat } from './chat.js';
import { CSS as WIDGET_CSS } from './style.js';
import { mount } from './ui.js';
import { UPLOAD_CSS } from './upload.js';

const VERSION = '1';
const DEFAULT_ACCENT = '#4f46e5';

function findScript() {
  if (document.currentScript && document.currentScript.src) return document.currentScript;
  const all = document.querySelectorAll('script[src]');
  for (let i = all.length - 1; i >= 0; i--) {
    if (/\/widget(\.min)?\.js(\?|#|$)/.test(all[i].src)) return all[i];
  }
  return null;
}

function parseIdentity(raw) {
  if (!raw) return null;
  try {
    const id = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (!id || typeof id !== 'object' || id.user_id == null || !id.sig) throw new Error('missing user_id or sig');
    return {
      user_id: String(id.user_id),
      name: String(id.name ?? ''),
      email: String(id.email ?? ''),
      ts: Number(id.ts),
      sig: String(id.sig),
    };
  } catch (e) {
    console.warn('[hilo] ignoring data-identity:', e.message);
    return null;
  }
}

// Text colour readable on the accent colour.
function onAccent(color) {
  try {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.fillStyle = '#000';
    ctx.fillStyle = color;
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(ctx.fillStyle);
    if (!m) return '#fff';
    const lin = (x) => { const c = parseInt(x, 16) / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const l = 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]);
    return l > 0.45 ? '#101828' : '#fff';
  } catch {
    return '#fff';
  }
}

function config(script) {
  const d = (script && script.dataset) || {};
  const src = (script && script.src) || location.href;
  const server = d.server ? new URL(d.server, src) : new URL('.', src);
  const wsUrl = new URL('ws', server);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const browserLang = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  const lang = d.lang ? pickLang(d.lang) : pickLang(browserLang);
  const color = d.color && window.CSS && CSS.supports('color', d.color) ? d.color : '';
  const ns = `hilo:${server.host}`;
  let startOpen = d.open === 'true';
  try { if (sessionStorage.getItem(`${ns}:open`)) startOpen = true; } catch {}
  return {
    ns,
    wsUrl: wsUrl.href,
    lang,
    locale: pickLang(browserLang) === lang ? browserLang : lang,
    title: d.title || '',
    subtitle: d.subtitle || '',
    color,
    position: d.position === 'left' ? 'left' : 'right',
    whatsapp: (d.whatsapp || '').replace(/\D/g, ''),
    phone: (d.phone || '').trim(),
    email: /^[^\s@?&]+@[^\s@?&]+$/.test(d.email || '') ? d.email : '',
    identity: parseIdentity(d.identity),
    startOpen,
  };
}

function addStyles(root, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }
}

function boot(script) {
  const cfg = config(script);
  const t = STRINGS[cfg.lang];
  const host = document.createElement('hilo-widget');
  host.setAttribute('data-position', cfg.position);
  const shadow = host.attachShadow({ mode: 'open' });
  // Always declared (and !important) so that custom properties inherited
  // from the host page cannot recolour the widget.
  const accent = cfg.color || DEFAULT_ACCENT;
  addStyles(shadow, `${WIDGET_CSS}${UPLOAD_CSS}:host{--hilo-accent:${accent} !important;--hilo-on-accent:${onAccent(accent)} !important}`);
  const container = document.createElement('div');
  shadow.appendChild(container);
  (document.body || document.documentElement).appendChild(host);

  const store = createStore(cfg.ns);
  const chat = new Chat({ wsUrl: cfg.wsUrl, store, locale: cfg.locale, identity: cfg.identity });
  const api = { setOpen: () => {}, isOpen: () => false };
  const props = { chat, cfg: { ...cfg, identified: !!cfg.identity }, t, api };
  mount(container, props);
  chat.start();

  const pub = window.HiloWidget;
  pub.open = () => api.setOpen(true);
  pub.close = () => api.setOpen(false);
  pub.toggle = () => api.setOpen(!api.isOpen());
  pub.isOpen = () => api.isOpen();
  // Sign in a customer after the page loaded (single-page apps): the same
  // signed identity object as data-identity.
  pub.identify = (identity) => {
    const id = parseIdentity(identity);
    if (!id) return false;
    props.cfg = { ...props.cfg, identified: true };
    mount(container, props);
    chat.setIdentity(id);
    return true;
  };
  // Forget this visitor on this browser (call it when the user logs out).
  pub.logout = () => {
    props.cfg = { ...props.cfg, identified: false };
    chat.forget();
    mount(container, props);
  };
  pub.ready = true;
  try { performance.mark('hilo-widget-ready'); } catch {}
  pub._chat = chat;
  try { window.dispatchEvent(new CustomEvent('hilo:ready')); } catch {}
}

(function init() {
  if (window.HiloWidget && window.HiloWidget.version) return; // included twice
  window.HiloWidget = { version: VERSION, ready: false };
  try { performance.mark('hilo-widget-start'); } catch {}
  const script = findScript();
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
}());
