// Application state and actions. The UI subscribes with useStore(); every
// change goes through set(), which notifies the subscribers once per tick.
import { Connection, wsUrl } from './conn.js';
import * as api from './api.js';
import { cmpId, newClientId, formatRef, queueOrder } from './util.js';
import { mergeDelivery } from './delivery.js';
import { loadSettings, saveSettings, DEFAULT_CANNED } from './storage.js';
import { setLang, getLang, t, channelLabel, formatTime } from './i18n.js';
import { notifyActivity, unlockAudio } from './notify.js';
import { staleAfter } from './stale.js';

const TYPING_TTL = 8000;

const initial = () => ({
  phase: 'boot', // boot | login | app
  loginMessage: null, // {kind:'info'|'error', text}
  agent: null,
  expiresAt: 0,
  conn: { state: 'connecting', retryAt: 0 },
  queueLoaded: false,
  tickets: {}, // ref -> summary (open + pending)
  unseen: {}, // ref -> true
  selected: null, // ref under the queue cursor
  current: null, // open ticket, see openTicket()
  outbox: [], // {client_id, frame, ticket, kind, text, acked, sentOnce}
  dialog: null, // 'settings' | 'help' | 'transfer' | 'followup' | null
  view: viewFromHash(), // queue | search | reports | admin
  searchQuery: '',
  search: { q: '', loading: false, results: null, error: null },
  agents: [], // GET /api/v1/agents: [{name, display, role, team}]
  agentsLoaded: false,
  composer: { mode: 'reply', focus: 0, draft: null },
  archive: { status: '', loading: false, tickets: [], error: null }, // resolved / closed view (queue-actions.js)
  picked: {}, // ref -> true: rows chosen for a bulk action
  toasts: [],
  now: Date.now(),
  settings: loadSettings(),
  // the team's settings (GET /api/v1/team-settings, read at sign-in);
  // canned null: none set, the built-in examples in the UI language
  team: { canned: null, amberMin: 5, redMin: 15, templates: [] },
});

const VIEWS = ['queue', 'search', 'reports', 'admin'];
function viewFromHash() {
  const h = (typeof location !== 'undefined' ? location.hash : '').replace(/^#/, '').split('?')[0];
  return VIEWS.includes(h) ? h : 'queue';
}

let state = initial();
setLang(state.settings.lang);
const subs = new Set();
let scheduled = false;

export function getState() {
  return state;
}

/** For sibling modules (queue-actions.js): patch the state. */
export function setState(patch) {
  set(patch);
}

/** A request frame on the socket: resolves with the answer, rejects with {code} (offline too). */
export function sendRequest(frame) {
  if (!conn?.online) return Promise.reject({ code: 'offline' });
  return conn.request(frame);
}

export function subscribe(fn) {
  subs.add(fn);
  return () => subs.delete(fn);
}

function set(patch) {
  state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const fn of subs) fn(state);
    });
  }
}

function setCurrent(patch) {
  if (!state.current) return;
  set({ current: { ...state.current, ...(typeof patch === 'function' ? patch(state.current) : patch) } });
}

// ---------------------------------------------------------------- toasts
let toastSeq = 0;
export function toast(text, kind = 'info', ms = 5000) {
  toastSeq += 1;
  const id = toastSeq;
  set((s) => ({ toasts: [...s.toasts.slice(-3), { id, text, kind }] }));
  if (ms) setTimeout(() => dismissToast(id), ms);
}
export function dismissToast(id) {
  set((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) }));
}

export function errorText(err, vars = {}) {
  if (!err) return t('error.generic', { msg: '?' });
  const key = `error.${err.code}`;
  const s = t(key, vars);
  return s === key ? t('error.generic', { msg: err.message || err.code }) : s;
}

// ---------------------------------------------------------------- clock
setInterval(() => set({ now: Date.now() }), 15000);

// ---------------------------------------------------------------- settings
export function updateSettings(patch) {
  const settings = { ...state.settings, ...patch };
  saveSettings(settings);
  if (patch.lang) setLang(patch.lang);
  set({ settings });
}

export function setFilter(key, value) {
  updateSettings({ filters: { ...state.settings.filters, [key]: value } });
}

export function openDialog(name) {
  set({ dialog: name });
}
export function closeDialog() {
  set({ dialog: null });
}

// ---------------------------------------------------------------- session
let conn = null;
let expiryTimer = null;

export async function boot() {
  try {
    const s = await api.currentSession();
    if (s.ok) startApp(s.agent, s.expires_at);
    else set({ phase: 'login' });
  } catch {
    set({ phase: 'login', loginMessage: { kind: 'error', text: t('login.error', { msg: 'network' }) } });
  }
}

export async function signIn(name, password) {
  unlockAudio();
  let r;
  try {
    r = await api.signIn(name, password);
  } catch (e) {
    return { ok: false, text: t('login.error', { msg: e.message || 'network' }) };
  }
  if (!r.ok) {
    if (r.status === 401 || r.code === 'bad_credentials') return { ok: false, text: t('login.bad') };
    if (r.status === 503 || r.code === 'unavailable') return { ok: false, text: t('login.unavailable') };
    return { ok: false, text: t('login.error', { msg: r.message || r.status }) };
  }
  startApp(r.agent, r.expires_at);
  return { ok: true };
}

export async function signOut() {
  stopApp();
  await api.signOut();
  set({ ...resetApp(), phase: 'login', loginMessage: { kind: 'info', text: t('login.signedOut') } });
}

function resetApp() {
  const fresh = initial();
  return { ...fresh, settings: state.settings };
}

function stopApp() {
  clearTimeout(expiryTimer);
  if (conn) conn.stop();
  conn = null;
  stopTyping();
}

function sessionExpired() {
  stopApp();
  set({ ...resetApp(), phase: 'login', loginMessage: { kind: 'error', text: t('login.expired') } });
}

function scheduleExpiryCheck(expiresAt) {
  clearTimeout(expiryTimer);
  if (!expiresAt) return;
  const ms = Math.max(1000, expiresAt - Date.now() + 1000);
  // setTimeout caps at ~24.8 days; check again then.
  expiryTimer = setTimeout(checkSession, Math.min(ms, 2 ** 31 - 1));
}

async function checkSession() {
  try {
    const s = await api.currentSession();
    if (!s.ok && s.status === 401) sessionExpired();
    else if (s.ok) {
      set({ expiresAt: s.expires_at || state.expiresAt });
      scheduleExpiryCheck(s.expires_at);
    }
  } catch {
    /* offline: the reconnect loop will tell */
  }
}

function startApp(agent, expiresAt) {
  stopApp();
  set({ ...resetApp(), phase: 'app', agent: agent || null, expiresAt: expiresAt || 0 });
  scheduleExpiryCheck(expiresAt);
  conn = new Connection(wsUrl(), {
    onFrame,
    onState: (s, info) => set({ conn: { state: s, retryAt: info.retryAt || 0 } }),
    onExpired: sessionExpired,
    beforeConnect: async () => {
      try {
        const s = await api.currentSession();
        if (s.ok) return 'ok';
        return s.status === 401 ? 'expired' : 'retry';
      } catch {
        return 'retry';
      }
    },
    onDisconnect: () => {
      set({ stale: {} }); // a new connection catches up from scratch
      setCurrent(() => ({ typing: {}, viewers: {} }));
    },
  });
  conn.start();
  loadAgents();
  loadTeamSettings();
}

/** Reads the team's canned responses and waiting-time thresholds. */
export async function loadTeamSettings() {
  const r = await api.getTeamSettings();
  if (!r.ok || !r.data) return; // the defaults stay; the next sign-in tries again
  const th = r.data.thresholds || {};
  set({
    team: {
      canned: Array.isArray(r.data.canned) ? r.data.canned : null,
      amberMin: th.amber_minutes || 5,
      redMin: th.red_minutes || 15,
      templates: Array.isArray(r.data.templates) ? r.data.templates : [],
    },
  });
}

/** The canned responses offered in the composer. */
export function cannedOf(s) {
  return s.team.canned || DEFAULT_CANNED[getLang() === 'es' ? 'es' : 'en'];
}

export function retryNow() {
  conn?.retryNow();
}

// ---------------------------------------------------------------- frames
function onFrame(f) {
  switch (f.type) {
    case 'team_settings': // an admin changed a team's settings: read ours again
      loadTeamSettings();
      break;
    case 'session':
      onSession(f);
      break;
    case 'queue':
      onQueue(f);
      break;
    case 'ticket':
      onTicketSummary(f.ticket, true);
      break;
    case 'thread':
      onThread(f);
      break;
    case 'event':
      onEvent(f.event);
      break;
    case 'ack':
      onAck(f);
      break;
    case 'typing':
      onTyping(f);
      break;
    case 'presence':
      onPresence(f);
      break;
    case 'delivery':
      onDelivery(f);
      break;
    case 'stale':
    case 'fresh':
      set({ stale: staleAfter(state.stale, f) });
      break;
    case 'error':
      onError(f);
      break;
    default:
      break;
  }
}

function onSession(f) {
  set({ agent: f.agent || state.agent, expiresAt: f.expires_at || state.expiresAt });
  if (f.expires_at) scheduleExpiryCheck(f.expires_at);
  conn.send({ type: 'queue.watch', req: 'queue' });
  // display names for assignees and authors (renames show at once)
  loadAgents().catch(() => {});
  const c = state.current;
  if (c && !c.error) {
    conn.send({ type: 'ticket.open', ticket: c.ref, req: `open:${c.ref}`, ...(c.lastId ? { after: c.lastId } : {}) });
  }
  flushOutbox();
}

function onQueue(f) {
  const prev = state.tickets;
  const tickets = {};
  const unseen = { ...state.unseen };
  for (const tk of f.tickets || []) {
    if (!tk || !tk.ref) continue;
    tickets[tk.ref] = tk;
    // After a reconnect, mark what changed while we were away.
    if (state.queueLoaded) {
      const p = prev[tk.ref];
      if (tk.last_role === 'customer' && (!p || p.updated_at !== tk.updated_at)) unseen[tk.ref] = true;
    }
  }
  for (const ref of Object.keys(unseen)) if (!tickets[ref]) delete unseen[ref];
  let selected = state.selected;
  if (!selected || !tickets[selected]) selected = state.current?.ref || null;
  set({ tickets, unseen, queueLoaded: true, selected });
  updateTitle();
}

function inQueue(tk) {
  return tk.status === 'open' || tk.status === 'pending';
}

function onTicketSummary(tk, live) {
  if (!tk || !tk.ref) return;
  const prev = state.tickets[tk.ref];
  const tickets = { ...state.tickets };
  const unseen = { ...state.unseen };
  if (inQueue(tk)) tickets[tk.ref] = tk;
  else {
    delete tickets[tk.ref];
    delete unseen[tk.ref];
  }
  const c = state.current;
  const viewing = c && c.ref === tk.ref && document.visibilityState === 'visible';
  if (live && inQueue(tk) && tk.last_role === 'customer') {
    const isNew = !prev;
    const changed = prev && (prev.updated_at !== tk.updated_at) && (prev.messages !== tk.messages || prev.last_text !== tk.last_text || prev.last_role !== 'customer');
    if (isNew || changed) {
      if (!viewing) unseen[tk.ref] = true;
      if (!viewing || document.hidden) {
        notifyActivity(state.settings, {
          title: t(isNew ? 'notify.newTicket' : 'notify.newMessage', { ref: formatRef(tk.ref) }),
          body: `${tk.name || ''}${tk.name ? ': ' : ''}${tk.last_text || ''}`,
          tag: `hilo-${tk.ref}`,
        });
      }
    }
  }
  set({ tickets, unseen });
  archiveUpsert(tk);
  if (c && c.ref === tk.ref) setCurrent({ ticket: { ...(c.ticket || {}), ...tk } });
  updateTitle();
  if (live && prev) slaAlert(prev, tk);
}

// An SLA warning or breach just recorded on a ticket in the queue: a toast
// for every agent, watching the ticket or not (docs/sla.md).
function slaAlert(prev, tk) {
  for (const [p, what] of [['fr', 'first_response'], ['res', 'resolution']]) {
    const breach = !prev[`sla_${p}_breached_at`] && tk[`sla_${p}_breached_at`];
    const warn = !prev[`sla_${p}_warned`] && tk[`sla_${p}_warned`] && !tk[`sla_${p}_breached_at`];
    if (!breach && !warn) continue;
    const text = t(breach ? 'notify.slaBreach' : 'notify.slaWarning',
      { ref: formatRef(tk.ref), what: t(`sla.${what}`), t: formatTime(tk[`sla_${p}_due`]) });
    toast(text, breach ? 'error' : 'info', 8000);
  }
}

// the resolved / closed view follows tickets that enter or leave its status
function archiveUpsert(tk) {
  const a = state.archive;
  if (!a.status) return;
  const rest = a.tickets.filter((x) => x.ref !== tk.ref);
  set({ archive: { ...a, tickets: tk.status === a.status ? [tk, ...rest] : rest } });
}

function updateTitle() {
  const n = Object.keys(state.unseen).length;
  document.title = n ? `(${n}) ${t('app.title')}` : t('app.title');
}

function onThread(f) {
  const c = state.current;
  const ref = f.ticket?.ref;
  if (!c || !ref || c.ref !== ref) return;
  let events = c.events;
  let lastId = c.lastId;
  const seen = new Set(events.map((e) => e.id));
  const add = [];
  for (const ev of f.events || []) {
    if (!ev || !ev.id || seen.has(ev.id)) continue;
    if (lastId && cmpId(ev.id, lastId) <= 0) continue;
    add.push(ev);
    seen.add(ev.id);
    lastId = ev.id;
  }
  for (const ev of c.early || []) {
    if (!ev || !ev.id || seen.has(ev.id) || (lastId && cmpId(ev.id, lastId) <= 0)) continue;
    add.push(ev);
    seen.add(ev.id);
    lastId = ev.id;
  }
  if (add.length) events = [...events, ...add];
  const deliveries = { ...(c.deliveries || {}) };
  for (const ev of f.events || []) {
    if (ev && ev.id && ev.delivery) deliveries[ev.id] = mergeDelivery(deliveries[ev.id], ev.delivery);
  }
  // viewers: the other agents who have the ticket open (login names)
  const viewers = {};
  for (const v of Array.isArray(f.viewers) ? f.viewers : []) {
    const name = typeof v === 'string' ? v : v?.agent || v?.name;
    if (name && name !== state.agent?.name) viewers[name] = { agent: name, name: (typeof v === 'object' && v?.name) || '' };
  }
  setCurrent({
    loading: false, ticket: f.ticket, customer: f.customer || c.customer, events, lastId, error: null, early: [], deliveries, viewers,
  });
  // The customer gave a name after this ticket began: show it in the queue row too.
  const cname = (f.customer || c.customer)?.name;
  if (cname && state.tickets[ref] && !state.tickets[ref].name) {
    set({ tickets: { ...state.tickets, [ref]: { ...state.tickets[ref], name: cname } } });
  }
  settleOutbox(add);
}

function onEvent(ev) {
  const c = state.current;
  if (!ev || !c || ev.ticket !== c.ref) return;
  if (c.loading) {
    // Before the snapshot: keep for later, the thread frame carries everything up to its point.
    setCurrent({ early: [...(c.early || []), ev] });
    return;
  }
  if (c.lastId && cmpId(ev.id, c.lastId) <= 0) return; // never twice
  const patch = { events: [...c.events, ev], lastId: ev.id };
  if (ev.delivery) patch.deliveries = { ...(c.deliveries || {}), [ev.id]: mergeDelivery(c.deliveries?.[ev.id], ev.delivery) };
  const tk = { ...(c.ticket || {}) };
  if (ev.kind === 'assign') tk.assignee = ev.assignee ?? '';
  if (ev.kind === 'status' && ev.status) tk.status = ev.status;
  if (ev.kind === 'resolution') tk.status = 'resolved';
  patch.ticket = tk;
  if (ev.author?.role === 'customer' && c.typing?.customer) {
    const { customer: _gone, ...rest } = c.typing;
    patch.typing = rest;
  }
  setCurrent(patch);
  settleOutbox([ev]);
}

function onTyping(f) {
  const c = state.current;
  if (!c || f.ticket !== c.ref) return;
  const typing = { ...(c.typing || {}) };
  const key = f.role === 'customer' ? 'customer' : `agent:${f.name || ''}`;
  if (f.role === 'agent' && state.agent && (f.name === state.agent.display || f.name === state.agent.name)) return;
  if (f.state) typing[key] = { name: f.name || '', role: f.role, until: Date.now() + TYPING_TTL };
  else delete typing[key];
  setCurrent({ typing });
  setTimeout(expireTyping, TYPING_TTL + 50);
}

function onPresence(f) {
  const c = state.current;
  if (!c || f.ticket !== c.ref || !f.agent || f.agent === state.agent?.name) return;
  const viewers = { ...(c.viewers || {}) };
  if (f.viewing) viewers[f.agent] = { agent: f.agent, name: f.name || '' };
  else delete viewers[f.agent];
  setCurrent({ viewers });
}

function onDelivery(f) {
  const c = state.current;
  if (!c || f.ticket !== c.ref || !f.event_id) return;
  const { type: _t, ticket: _k, event_id: id, ...dl } = f;
  setCurrent({ deliveries: { ...(c.deliveries || {}), [id]: mergeDelivery(c.deliveries?.[id], dl) } });
}

/** Put a failed delivery back in the outbox (delivery.retry). */
export function retryDelivery(eventId) {
  const c = state.current;
  if (!c) return Promise.resolve(false);
  if (!conn?.online) {
    toast(t('error.offline'), 'error');
    return Promise.resolve(false);
  }
  return conn.request({ type: 'delivery.retry', ticket: c.ref, event_id: eventId }).then(() => {
    toast(t('ok.retry'), 'ok', 2500);
    return true;
  }, (e) => {
    toast(e.code === 'bad_state' ? t('delivery.retryRefused') : errorText(e), 'error', 8000);
    return false;
  });
}

function expireTyping() {
  const c = state.current;
  if (!c || !c.typing) return;
  const now = Date.now();
  const typing = {};
  let changed = false;
  for (const [k, v] of Object.entries(c.typing)) {
    if (v && v.until > now) typing[k] = v;
    else changed = true;
  }
  if (changed) setCurrent({ typing });
}

function onError(f) {
  if (f.code === 'session_expired') {
    sessionExpired();
    return;
  }
  if (f.code === 'unauthorized') {
    // The cookie did not authenticate the socket: find out whether the session is gone.
    checkSession();
    return;
  }
  if (f.client_id) {
    const item = state.outbox.find((o) => o.client_id === f.client_id);
    set((s) => ({ outbox: s.outbox.filter((o) => o.client_id !== f.client_id) }));
    if (item) {
      const ch = item.frame.channel;
      toast(ch && ch !== 'web' && (f.code === 'bad_state' || f.code === 'bad_frame')
        ? t('error.channelRefused', { ch: channelLabel(ch) }) : errorText(f), 'error', 8000);
      // Give the text back so nothing the agent wrote is lost.
      if (state.current?.ref === item.ticket && !item.frame.template) set({ composer: { ...state.composer, mode: item.kind, draft: item.text, focus: state.composer.focus + 1 } });
    }
    return;
  }
  if (f.req && f.req.startsWith('open:')) {
    const ref = f.req.slice(5);
    if (f.code === 'unknown_event' && state.current?.ref === ref) {
      // our last event id is not in the ticket any more (storage restored
      // from a backup): take the whole thread afresh
      setCurrent({ lastId: '', events: [] });
      conn.send({ type: 'ticket.open', ticket: ref, req: `open:${ref}` });
      return;
    }
    if (state.current?.ref === ref) {
      setCurrent({ loading: false, error: f.code === 'unknown_ticket' ? t('ticket.unknown', { ref: formatRef(ref) }) : errorText(f) });
    }
    return;
  }
  if (f.req) return; // answered to the request's promise
  if (f.code === 'rate_limited' || f.code === 'unavailable' || f.code === 'internal') toast(errorText(f), 'error');
}

// ---------------------------------------------------------------- queue navigation
export function visibleTickets(s = state) {
  const { filters } = s.settings;
  const me = s.agent?.name;
  const archived = filters.status === 'resolved' || filters.status === 'closed';
  return (archived ? (s.archive.status === filters.status ? s.archive.tickets : []) : Object.values(s.tickets))
    .filter((tk) => {
      if (filters.assignee === 'mine' && tk.assignee !== me) return false;
      if (filters.assignee === 'unassigned' && tk.assignee) return false;
      if (filters.status !== 'all' && tk.status !== filters.status) return false;
      if (filters.channel !== 'all' && tk.channel !== filters.channel && tk.last_channel !== filters.channel) return false;
      if (filters.tag && filters.tag !== 'all' && !(tk.tags || '').split(',').includes(filters.tag)) return false;
      if (filters.team && filters.team !== 'all') {
        if (filters.team === 'none' ? !!tk.team : tk.team !== filters.team) return false;
      }
      return true;
    })
    .sort(archived ? newestFirst : queueOrder);
}

const doneAt = (tk) => tk.closed_at || tk.resolved_at || tk.updated_at || 0;
function newestFirst(a, b) {
  return doneAt(b) - doneAt(a) || (a.ref < b.ref ? -1 : 1);
}

export function moveSelection(delta) {
  const list = visibleTickets();
  if (!list.length) return;
  const cur = state.selected || state.current?.ref;
  let i = list.findIndex((tk) => tk.ref === cur);
  if (i < 0) i = delta > 0 ? -1 : list.length;
  const next = list[Math.max(0, Math.min(list.length - 1, i + delta))];
  if (next) openTicket(next.ref);
}

// ---------------------------------------------------------------- ticket
export function openTicket(ref) {
  if (!ref) return;
  const c = state.current;
  const unseen = { ...state.unseen };
  delete unseen[ref];
  set({ selected: ref, unseen });
  updateTitle();
  if (c && c.ref === ref) return;
  stopTyping();
  if (c && conn) conn.send({ type: 'ticket.close', ticket: c.ref });
  const summary = state.tickets[ref] || null;
  set({
    current: {
      ref, loading: true, ticket: summary, customer: null, events: [], lastId: '', error: null, typing: {}, early: [], deliveries: {}, viewers: {},
    },
    composer: { mode: 'reply', focus: state.composer.focus, draft: null },
    outbox: state.outbox.filter((o) => !o.acked || o.ticket === ref),
  });
  conn?.send({ type: 'ticket.open', ticket: ref, req: `open:${ref}` });
}

export function closeTicket() {
  const c = state.current;
  if (!c) return;
  stopTyping();
  conn?.send({ type: 'ticket.close', ticket: c.ref });
  set({ current: null });
}

// ---------------------------------------------------------------- sending
/** kind: 'reply' | 'note' | 'resolution'. Returns true when accepted (sent or queued). */
export function sendText(kind, text, channel, template) {
  const c = state.current;
  const body = String(text || '').trim();
  if (!c || !body) return false;
  const type = kind === 'resolution' ? 'resolve' : kind;
  const client_id = newClientId(type[0]);
  const frame = { type, ticket: c.ref, client_id, text: body };
  if (channel && kind !== 'note') frame.channel = channel;
  // an approved WhatsApp template (templates.js): the server renders the text
  if (template && kind !== 'note') frame.template = template;
  const item = { client_id, frame, ticket: c.ref, kind, text: body, acked: false, at: Date.now() };
  set((s) => ({ outbox: [...s.outbox, item] }));
  if (kind !== 'note') stopTyping();
  if (conn?.online) conn.send(frame);
  return true;
}

function flushOutbox() {
  for (const item of state.outbox) {
    if (!item.acked) conn.send(item.frame); // client_id makes a resend harmless
  }
}

function onAck(f) {
  const item = state.outbox.find((o) => o.client_id === f.client_id);
  if (!item) return;
  const c = state.current;
  const have = c && c.ref === item.ticket && c.lastId && f.event_id && cmpId(f.event_id, c.lastId) <= 0;
  if (have || !c || c.ref !== item.ticket) {
    set((s) => ({ outbox: s.outbox.filter((o) => o.client_id !== f.client_id) }));
  } else {
    set((s) => ({ outbox: s.outbox.map((o) => (o.client_id === f.client_id ? { ...o, acked: true } : o)) }));
  }
}

function settleOutbox(events) {
  const ids = new Set(events.map((e) => e.client_id).filter(Boolean));
  if (!ids.size) return;
  set((s) => ({ outbox: s.outbox.filter((o) => !ids.has(o.client_id)) }));
}

// typing: on while the agent writes a reply, off after 5 s idle or on send
let typingOn = false;
let typingLastSent = 0;
let typingTimer = null;
export function agentTyping() {
  const c = state.current;
  if (!c || !conn?.online) return;
  const now = Date.now();
  if (!typingOn || now - typingLastSent > 3000) {
    conn.send({ type: 'typing', ticket: c.ref, state: true });
    typingOn = true;
    typingLastSent = now;
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 5000);
}
export function stopTyping() {
  clearTimeout(typingTimer);
  if (typingOn && state.current && conn?.online) conn.send({ type: 'typing', ticket: state.current.ref, state: false });
  typingOn = false;
}

// ---------------------------------------------------------------- actions
async function act(frame, okText, vars) {
  if (!conn?.online) {
    toast(t('error.offline'), 'error');
    return false;
  }
  try {
    await conn.request(frame);
    if (okText) toast(okText, 'ok', 2500);
    return true;
  } catch (e) {
    toast(errorText(e, vars), 'error', 8000);
    return false;
  }
}

export function assign(agentName, team) {
  const c = state.current;
  if (!c) return Promise.resolve(false);
  const frame = { type: 'assign', ticket: c.ref, agent: agentName };
  if (team != null) frame.team = team;
  return act(frame, t('ok.assigned'), { name: agentName });
}

/** Transfer: an internal note for the next agent, then the assignment. */
export async function transfer(agentName, team, note) {
  const c = state.current;
  const text = String(note || '').trim();
  if (!c || !text) return false;
  if (!conn?.online) {
    toast(t('error.offline'), 'error');
    return false;
  }
  try {
    await conn.request({ type: 'note', ticket: c.ref, client_id: newClientId('n'), text });
  } catch (e) {
    toast(errorText(e), 'error', 8000);
    return false;
  }
  const frame = { type: 'assign', ticket: c.ref, agent: agentName };
  if (team != null) frame.team = team;
  try {
    await conn.request(frame);
  } catch (e) {
    toast(t('error.transferAssign', { msg: errorText(e, { name: agentName }) }), 'error', 10000);
    return false;
  }
  toast(t('ok.transferred'), 'ok', 2500);
  return true;
}
export function assignMe() {
  const me = state.agent?.name || '';
  if (!me || state.current?.ticket?.assignee === me) return Promise.resolve(false);
  return assign(me);
}
export function setStatus(status, followUpAt, reason) {
  const c = state.current;
  if (!c) return Promise.resolve(false);
  const frame = { type: 'status', ticket: c.ref, status };
  if (status === 'pending' && followUpAt) frame.follow_up_at = Math.round(followUpAt);
  if (status === 'closed' && reason) frame.reason = reason;
  return act(frame, followUpAt ? t('ok.followUp') : status === 'closed' ? t('ok.closedQuiet') : t('ok.status'));
}

// ---------------------------------------------------------------- views
export function setView(view, { replace = false } = {}) {
  const v = VIEWS.includes(view) ? view : 'queue';
  if (typeof location !== 'undefined' && location.hash !== `#${v}`) {
    if (replace) history.replaceState(null, '', `#${v}`);
    else history.pushState(null, '', `#${v}`);
  }
  set({ view: v, dialog: null });
}

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const h = location.hash.replace(/^#/, '');
    if (VIEWS.includes(h)) set({ view: h });
  });
  window.addEventListener('popstate', () => set({ view: viewFromHash() }));
}

let searchSeq = 0;
export async function runSearch(q) {
  const query = String(q || '').trim();
  set({ searchQuery: query });
  if (state.view !== 'search') setView('search');
  if (query.length < 2) {
    set({ search: { q: query, loading: false, results: null, error: query ? t('search.tooShort') : null } });
    return;
  }
  searchSeq += 1;
  const mine = searchSeq;
  set({ search: { q: query, loading: true, results: state.search.q === query ? state.search.results : null, error: null } });
  const r = await api.search(query);
  if (mine !== searchSeq) return; // a newer search won
  if (r.status === 401) {
    checkSession();
    return;
  }
  if (!r.ok) set({ search: { q: query, loading: false, results: null, error: errorText(r) } });
  else set({ search: { q: query, loading: false, results: Array.isArray(r.data?.tickets) ? r.data.tickets : [], error: null } });
}

/** Open a ticket from anywhere (search, other tickets of the customer) in the queue view. */
export function openFromElsewhere(ref) {
  if (state.view !== 'queue') setView('queue');
  openTicket(ref);
}

// ---------------------------------------------------------------- agents
export async function loadAgents() {
  const r = await api.listAgents();
  if (r.ok && Array.isArray(r.data?.agents)) set({ agents: r.data.agents, agentsLoaded: true });
  else if (r.status === 401) checkSession();
  return r;
}

export function isAdmin(s = state) {
  return s.agent?.role === 'admin';
}

export function setComposerMode(mode, focus = true) {
  set({ composer: { ...state.composer, mode, draft: null, focus: focus ? state.composer.focus + 1 : state.composer.focus } });
}

export function clearDraft() {
  if (state.composer.draft != null) set({ composer: { ...state.composer, draft: null } });
}

