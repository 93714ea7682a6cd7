// Hilo agent console: entry point.
import { html, render } from 'htm/preact';
import { useEffect, useState, useErrorBoundary } from 'preact/hooks';
import { t } from './i18n.js';
import {
  boot, signOut, openDialog, closeDialog, moveSelection, setComposerMode, assignMe, setStatus, retryNow, dismissToast, getState,
  setView, isAdmin, visibleTickets,
} from './store.js';
import { useStore } from './hooks.js';
import { Login } from './login.js';
import { Queue } from './queue.js';
import { TicketView } from './ticket.js';
import { ContextCard } from './context.js';
import { HelpDialog, SettingsDialog } from './dialogs.js';
import { TransferDialog, FollowUpDialog } from './ticket-dialogs.js';
import { CloseQuietDialog } from './queue-actions.js';
import { Reports } from './reports.js';
import { SearchBox, SearchResults } from './search.js';
import { Admin } from './admin.js';
import { LangToggle } from './widgets.js';
import { isTypingTarget } from './util.js';
import { unlockAudio } from './notify.js';
import { StaleNote } from './stale.js';

/** Keeps one broken pane from blanking the whole console. */
function Safe({ children, name }) {
  const [err, reset] = useErrorBoundary((e) => console.error(`console pane ${name} failed`, e));
  if (err) {
    return html`<div class="pane-error" role="alert"><p>${t('error.generic', { msg: String(err.message || err) })}</p>
      <button type="button" class="btn sm" onClick=${reset}>${t('conn.retryNow')}</button></div>`;
  }
  return children;
}

function ConnStatus({ conn }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (conn.state !== 'offline') return undefined;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [conn.state, conn.retryAt]);
  const secs = conn.retryAt ? Math.max(0, Math.ceil((conn.retryAt - now) / 1000)) : 0;
  const text = conn.state === 'online' ? t('conn.online') : conn.state === 'offline' ? t('conn.offline', { s: secs }) : t('conn.connecting');
  return html`
    <div class=${`conn conn-${conn.state}`} role="status" aria-live="polite" data-conn=${conn.state}>
      <span class="conn-dot" aria-hidden="true"></span><span class="conn-text">${text}</span>
      ${conn.state === 'offline' && html`<button type="button" class="linkish" onClick=${retryNow}>${t('conn.retryNow')}</button>`}
    </div>`;
}

function navItems(s) {
  const items = [['queue', t('nav.queue')], ['reports', t('nav.reports')]];
  if (isAdmin(s)) items.push(['admin', t('nav.admin')]);
  return items;
}

function Header({ s }) {
  const n = Object.keys(s.tickets).length;
  const agent = s.agent || {};
  return html`
    <header class="topbar">
      <h1 class="sr">${t('app.title')}</h1>
      <div class="brand" aria-hidden="true"><span class="brand-mark">h</span> Hilo</div>
      <nav aria-label=${t('nav.label')} class="mainnav">
        ${navItems(s).map(([v, label]) => html`
          <a href=${`#${v}`} aria-current=${s.view === v ? 'page' : undefined} class=${s.view === v ? 'on' : ''} data-nav=${v}
            onClick=${(e) => { e.preventDefault(); setView(v); }}>${label}${v === 'queue' && s.queueLoaded ? html` <span class="count">${n}</span>` : ''}</a>`)}
      </nav>
      <${ConnStatus} conn=${s.conn} />
      <${StaleNote} s=${s} />
      <div class="spacer"></div>
      <${SearchBox} s=${s} />
      <${LangToggle} lang=${s.settings.lang} />
      <button type="button" class="btn sm ghost" onClick=${() => openDialog('settings')} data-action="settings"
        aria-label=${t('header.settings')}><span aria-hidden="true">⚙</span><span class="btn-text"> ${t('header.settings')}</span></button>
      <button type="button" class="btn sm ghost" onClick=${() => openDialog('help')} aria-label=${t('header.help')} title=${t('header.help')} data-action="help">?</button>
      <span class="agent" title=${t('header.signedInAs', { name: agent.name || '' })}>
        <span class="avatar" aria-hidden="true">${(agent.display || agent.name || '?').slice(0, 1).toUpperCase()}</span>
        <span class="agent-name">${agent.display || agent.name || ''}</span>
      </span>
      <button type="button" class="btn sm" onClick=${signOut} data-action="signout">${t('header.signout')}</button>
    </header>`;
}

function Toasts({ toasts }) {
  return html`
    <div class="toasts" aria-live="polite" role="status">
      ${toasts.map((x) => html`
        <div key=${x.id} class=${`toast ${x.kind}`}>
          <span>${x.text}</span>
          <button type="button" class="linkish" onClick=${() => dismissToast(x.id)} aria-label=${t('toast.dismiss')}>✕</button>
        </div>`)}
    </div>`;
}

function Screen({ s }) {
  const view = s.view === 'admin' && !isAdmin(s) ? 'queue' : s.view;
  if (view === 'reports') return html`<main class="screen-wrap" id="main"><${Safe} name="reports"><${Reports} /><//></main>`;
  if (view === 'search') return html`<main class="screen-wrap" id="main"><${Safe} name="search"><${SearchResults} s=${s} /><//></main>`;
  if (view === 'admin') return html`<main class="screen-wrap" id="main"><${Safe} name="admin"><${Admin} s=${s} /><//></main>`;
  return html`
    <main class="workspace" id="main">
      <${Safe} name="queue"><${Queue} s=${s} /><//>
      <${Safe} name="ticket"><${TicketView} s=${s} /><//>
      <${Safe} name="context"><${ContextCard} s=${s} /><//>
    </main>`;
}

function Workspace({ s }) {
  const inTicket = s.view === 'queue' && s.current && !s.current.error;
  return html`
    <div class="shell">
      <a class="skip" href=${inTicket ? '#composer-text' : '#main'}>${inTicket ? t('composer.label') : t('nav.label')}</a>
      <${Header} s=${s} />
      <${Screen} s=${s} />
      <${Toasts} toasts=${s.toasts} />
      ${s.dialog === 'help' && html`<${HelpDialog} />`}
      ${s.dialog === 'settings' && html`<${SettingsDialog} s=${s} />`}
      ${s.dialog === 'transfer' && inTicket && html`<${TransferDialog} s=${s} />`}
      ${s.dialog === 'followup' && inTicket && html`<${FollowUpDialog} s=${s} />`}
      ${s.dialog === 'close' && inTicket && html`<${CloseQuietDialog} s=${s} />`}
      ${s.dialog === 'close-bulk' && html`<${CloseQuietDialog} s=${s} bulk=${true} list=${visibleTickets(s)} />`}
    </div>`;
}

function focusActiveQueueItem() {
  setTimeout(() => {
    const el = document.querySelector('.qi.active');
    if (el) {
      el.focus({ preventScroll: true });
      el.scrollIntoView({ block: 'nearest' });
    }
  }, 0);
}

function onGlobalKey(e) {
  const s = getState();
  if (s.phase !== 'app') return;
  if (s.dialog) {
    if (e.key === 'Escape') {
      e.preventDefault();
      closeDialog();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (isTypingTarget(e.target)) return;
  if (e.key === '/') {
    e.preventDefault();
    document.getElementById('search-q')?.focus();
    return;
  }
  if (e.key === '?') {
    e.preventDefault();
    openDialog('help');
    return;
  }
  if (s.view !== 'queue') return; // the ticket shortcuts belong to the queue screen
  const has = !!s.current && !s.current.error;
  const status = s.current?.ticket?.status;
  let handled = true;
  switch (e.key) {
    case 'j':
      moveSelection(1);
      focusActiveQueueItem();
      break;
    case 'k':
      moveSelection(-1);
      focusActiveQueueItem();
      break;
    case 'r':
      if (has) setComposerMode('reply'); else handled = false;
      break;
    case 'n':
      if (has) setComposerMode('note'); else handled = false;
      break;
    case 'e':
      if (has && status !== 'closed' && status !== 'resolved') setComposerMode('resolution'); else handled = false;
      break;
    case 'a':
      if (has) assignMe(); else handled = false;
      break;
    case 'p':
      if (has && status === 'open') setStatus('pending'); else handled = false;
      break;
    case 'o':
      if (has && status && status !== 'open' && status !== 'closed') setStatus('open'); else handled = false;
      break;
    case 'f':
      document.querySelector('#queue-filters button')?.focus();
      break;
    case '?':
      openDialog('help');
      break;
    default:
      handled = false;
  }
  if (handled) e.preventDefault();
}

function App() {
  const s = useStore();
  useEffect(() => {
    boot();
    document.addEventListener('keydown', onGlobalKey);
    const unlock = () => unlockAudio();
    document.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('keydown', unlock, { once: true });
    return () => document.removeEventListener('keydown', onGlobalKey);
  }, []);
  document.title = document.title || t('app.title');
  if (s.phase === 'boot') return html`<div class="booting" aria-busy="true"><span class="brand"><span class="brand-mark">h</span> Hilo</span></div>`;
  if (s.phase === 'login') return html`<${Login} s=${s} />`;
  return html`<${Workspace} s=${s} />`;
}

render(html`<${App} />`, document.getElementById('app'));
