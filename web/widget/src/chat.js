// The widget's conversation model: one WebSocket to Hilo (`hilo.customer.v1`),
// reconnect with backoff, resume from the last event seen, and an outbox of
// unsent messages (persisted, each with a client id so a re-send is stored
// once). The UI subscribes with onChange() and reads chat.state.

import { cmpId, newClientId, codePoints } from './ids.js';
import { pageOf, browserOf } from './where.js';
import { Hours } from './hours.js';

const SUBPROTOCOL = 'hilo.customer.v1';
const MAX_TEXT = 4096;
const PING_EVERY = 25000;      // ms between pings while idle
const DEAD_AFTER = 10000;      // ms without any frame after a ping/send -> reconnect
const TYPING_IDLE = 4000;      // ms after the last keystroke -> typing false
const AGENT_TYPING_TTL = 8000; // ms an agent typing indicator stays without update
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'internal', 'hello_required']);

// Backoff: 0.5 s, 1 s, 2 s, 4 s, 8 s, then 15 s, each with ±25 % jitter.
export function backoffDelay(attempt) {
  const base = Math.min(15000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export class Chat {
  constructor({ wsUrl, store, locale, identity, WebSocketImpl }) {
    this.wsUrl = wsUrl;
    this.store = store;
    this.locale = locale;
    this.identity = identity || null;
    this.WS = WebSocketImpl || window.WebSocket;
    this.listeners = new Set();
    this.ws = null;
    this.ready = false;        // welcome (and resume) done: may send messages
    this.inflight = null;      // client_id of the message awaiting its ack
    this.attempt = 0;
    this.everConnected = false;
    this.timers = {};
    this.lastRx = 0;
    this.typingSent = false;
    this.byId = new Map();     // event id -> event (dedup)
    this.state = {
      status: 'idle',          // idle | connecting | online | offline
      retryAt: 0,              // when the next attempt is due (offline)
      trouble: '',             // '' | 'unavailable'
      ticket: '',              // current ticket reference
      ticketStatus: '',        // open | pending | resolved | closed
      events: [],              // visible events, all tickets of this session, by id
      outbox: [],              // [{client_id, text, ts, state, error, event_id}]
      agentTyping: null,       // {name, until}
      customer: '',
      everConnected: false,
      verify: null,            // a held join's code to show: {code, channel, from, expiresAt}
      assigned: false,         // an agent is on the current ticket (in progress)
      notify: '',              // where status updates go: '' | whatsapp | sms | email
      notifyState: '',         // '' | saving | saved | refused | failed
    };
    this.hours = new Hours(this); // business hours in the header (hours.js)
    this.checkVisitor();
    this.loadCached();
    this.state.outbox = store.outbox().map((m) => ({ ...m, state: 'queued' }));
    this.failed = [];
    store.onChange((k) => {
      if (k === 'outbox') this.syncOutbox();
    });
    window.addEventListener('online', () => this.connectSoon(0));
    window.addEventListener('offline', () => { if (this.ws) this.drop(); });
    // Back from a sleeping laptop or a background tab: check the socket now.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState !== 'visible') return;
      if (!this.ws) { this.connectSoon(0); return; }
      const before = this.lastRx;
      this.raw({ type: 'ping' });
      clearTimeout(this.timers.live);
      this.timers.live = setTimeout(() => {
        if (this.ws && this.lastRx === before) this.drop();
        else this.armLiveness();
      }, DEAD_AFTER);
    });
  }

  // ------------------------------------------------------------ public API

  onChange(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  // Connect when there is something to connect for: a returning visitor, a
  // signed identity or messages waiting. New visitors connect on first send.
  start() {
    if (this.store.visitor() || this.identity || this.state.outbox.length) this.connect();
  }

  send(text) {
    text = String(text).replace(/\s+$/, '').replace(/^\s*\n/, '');
    if (!text.trim()) return false;
    if (codePoints(text) > MAX_TEXT) return false;
    this.keepVisitor();
    const m = { client_id: newClientId(), text, ts: Date.now() };
    // where it was written, kept with the message (it may go out later)
    if (typeof location !== 'undefined') m.page = pageOf(location);
    if (typeof navigator !== 'undefined') m.browser = browserOf(navigator.userAgent);
    const list = this.store.outbox();
    list.push(m);
    this.store.setOutbox(list);
    this.state.outbox = [...this.state.outbox, { ...m, state: 'queued' }];
    this.setTyping(false);
    this.emit();
    if (!this.ws) this.connect();
    else this.flush();
    return true;
  }

  // Keystroke in the composer: typing true now, false after a pause.
  typing() {
    if (!this.typingSent) this.setTyping(true);
    clearTimeout(this.timers.typing);
    this.timers.typing = setTimeout(() => this.setTyping(false), TYPING_IDLE);
  }

  setProfile(profile) {
    this.store.setProfile(profile);
    // name/email travel in hello: say hello again if already connected.
    if (this.ws && this.ready && !this.inflight) this.reconnectNow();
  }

  setIdentity(identity) {
    this.identity = identity || null;
    this.checkVisitor();
    this.reset(false);
    this.loadCached();
    this.connect();
  }

  // Forget this visitor (logout on a shared computer).
  forget() {
    this.identity = null;
    this.store.clear();
    this.reset(true);
  }

  markSeen() {
    const ev = this.lastAgentEvent();
    if (ev && this.state.ticket && cmpId(ev.id, this.store.seen(this.state.ticket)) > 0) {
      this.store.setSeen(this.state.ticket, ev.id);
      this.emit();
    }
    // Hilo hears it too: a reply seen here is not sent again by email
    // (docs/continuity.md "Unread web replies").
    if (ev && this.state.ticket && this.ready && ev.ticket === this.state.ticket &&
        cmpId(ev.id, this.seenSent || '0') > 0 && this.raw({ type: 'seen', event_id: ev.id })) {
      this.seenSent = ev.id;
    }
  }

  unread() {
    const ref = this.state.ticket;
    if (!ref) return 0;
    const seen = this.store.seen(ref);
    return this.state.events.filter((e) => e.ticket === ref && (e.kind === 'reply' || e.kind === 'resolution') && cmpId(e.id, seen) > 0).length;
  }

  // ------------------------------------------------------------ internals

  emit() { for (const fn of this.listeners) { try { fn(this.state); } catch (e) { console.error(e); } } }

  set(patch) { Object.assign(this.state, patch); this.emit(); }

  dismissVerify() { clearTimeout(this.timers.verify); this.set({ verify: null }); }

  // A stored visitor belongs either to nobody (anonymous) or to one signed
  // user: never reuse another person's visitor token or cached thread.
  checkVisitor() {
    const v = this.store.visitor();
    const user = this.identity ? String(this.identity.user_id) : '';
    if (v && (v.user || '') !== user) this.store.clear();
  }

  loadCached() {
    const ref = this.store.ticket();
    if (!ref) return;
    const t = this.store.thread(ref);
    this.state.ticket = ref;
    for (const e of t.events) this.addEvent(e, true);
  }

  reset(emit) {
    this.closeSocket();
    clearTimeout(this.timers.retry);
    this.byId.clear();
    this.ready = false;
    this.inflight = null;
    this.attempt = 0;
    this.peekVisitor = null; // another person from now on: not theirs
    this.peeking = false;
    Object.assign(this.state, {
      status: 'idle', ticket: '', ticketStatus: '', events: [], outbox: this.store.outbox().map((m) => ({ ...m, state: 'queued' })),
      agentTyping: null, trouble: '', assigned: false, notify: '', notifyState: '',
    });
    if (emit) this.emit();
  }

  connect() {
    if (this.ws || this.blocked) return;
    clearTimeout(this.timers.retry);
    let ws;
    try {
      ws = new this.WS(this.wsUrl, SUBPROTOCOL);
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.ready = false;
    this.inflight = null;
    this.set({ status: this.everConnected ? this.state.status : 'connecting' });
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.lastRx = Date.now();
      const hello = { type: 'hello', locale: this.locale };
      const v = this.store.visitor() || this.peekVisitor;
      if (v && v.token) hello.token = v.token;
      const p = this.store.profile();
      if (p.name) hello.name = p.name;
      if (p.email) hello.email = p.email;
      this.helloProfile = `${p.name || ''}\n${p.email || ''}`;
      if (this.identity) hello.identity = this.identity;
      this.raw(hello);
      this.armLiveness();
      // welcome (and resumed) must follow; a server that never answers is
      // treated like a dead connection.
      clearTimeout(this.timers.ready);
      this.timers.ready = setTimeout(() => { if (ws === this.ws && !this.ready) this.drop(); }, DEAD_AFTER);
    };
    ws.onmessage = (m) => {
      if (ws !== this.ws) return;
      this.lastRx = Date.now();
      let f;
      try { f = JSON.parse(m.data); } catch { return; }
      if (f && typeof f.type === 'string') this.onFrame(f);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.ready = false;
      this.inflight = null;
      this.markOutbox();
      if (ev && ev.code === 4409) {
        // What this widget showed is another customer's now (a merge
        // undone, docs/protocol.md): say hello again at once and show the
        // thread of the welcome instead.
        this.resetThread = true;
        clearTimeout(this.timers.retry);
        this.connect();
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => {};
  }

  connectSoon(ms) {
    if (this.ws) return;
    if (!this.everConnected && !this.store.visitor() && !this.state.outbox.length && !this.identity) return;
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), ms);
  }

  scheduleRetry() {
    if (this.blocked) return;
    const d = backoffDelay(this.attempt++);
    clearTimeout(this.timers.retry);
    this.timers.retry = setTimeout(() => this.connect(), d);
    this.set({ status: 'offline', retryAt: Date.now() + d, agentTyping: null });
  }

  closeSocket() {
    const ws = this.ws;
    this.ws = null;
    clearTimeout(this.timers.live);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch {}
    }
  }

  // The connection is dead or suspect: close it and retry with backoff.
  drop() {
    this.closeSocket();
    this.ready = false;
    this.inflight = null;
    this.markOutbox();
    this.scheduleRetry();
  }

  reconnectNow() {
    this.closeSocket();
    this.ready = false;
    this.inflight = null;
    this.connect();
  }

  raw(obj) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    try { this.ws.send(JSON.stringify(obj)); } catch { return false; }
    return true;
  }

  // Ping when idle; a connection that stays silent after a ping or a send
  // is considered dead (half-open TCP after a network change).
  armLiveness() {
    clearTimeout(this.timers.live);
    this.timers.live = setTimeout(() => {
      if (!this.ws) return;
      const before = this.lastRx;
      this.raw({ type: 'ping' });
      this.timers.live = setTimeout(() => {
        if (this.ws && this.lastRx === before) this.drop();
        else this.armLiveness();
      }, DEAD_AFTER);
    }, PING_EVERY);
  }

  watchAck(clientId) {
    clearTimeout(this.timers.ack);
    this.timers.ack = setTimeout(() => {
      if (this.inflight === clientId) this.drop();
    }, DEAD_AFTER);
  }

  setTyping(state) {
    clearTimeout(this.timers.typing);
    if (this.typingSent === state) return;
    this.typingSent = state;
    if (this.ready) this.raw({ type: 'typing', state });
  }

  onFrame(f) {
    switch (f.type) {
      case 'welcome': return this.onWelcome(f);
      case 'hours': return this.hours.take(f.hours);
      case 'resumed':
        this.ready = true;
        this.flush();
        return;
      case 'event': return this.onEvent(f.event);
      case 'ack': return this.onAck(f);
      case 'typing':
        if (f.role === 'agent' && (!f.ticket || f.ticket === this.state.ticket)) {
          clearTimeout(this.timers.agentTyping);
          if (f.state) {
            this.timers.agentTyping = setTimeout(() => this.set({ agentTyping: null }), AGENT_TYPING_TTL);
            this.set({ agentTyping: { name: f.name || '' } });
          } else {
            this.set({ agentTyping: null });
          }
        }
        return;
      case 'error': return this.onError(f);
      case 'ok':
        if (f.req === 'notify') this.set({ notify: this.notifyWant, notifyState: 'saved' });
        return;
      // Someone asked to add a channel to this conversation (a held join,
      // docs/continuity.md): the code the customer types there if it was
      // them. Shown until it expires or is dismissed; never stored.
      case 'verify':
        if (f.ticket && f.ticket !== this.state.ticket) return;
        if (typeof f.code !== 'string' || !/^\d{6}$/.test(f.code)) return;
        clearTimeout(this.timers.verify);
        this.timers.verify = setTimeout(() => this.set({ verify: null }),
          Math.max(0, Math.min(600000, (f.expires_at || 0) - Date.now())) || 600000);
        this.set({ verify: { code: f.code, channel: f.channel || '', from: f.from || '', expiresAt: f.expires_at || 0 } });
        return;
      // Live delivery of the ticket is catching up (issue #12): say so
      // until "fresh"; the missed messages arrive as ordinary events.
      case 'stale':
      case 'fresh':
        if (!f.ticket || f.ticket === this.state.ticket) this.set({ stale: f.type === 'stale' });
        return;
      default: return; // pong and anything newer
    }
  }

  onWelcome(f) {
    const reset = this.resetThread;
    this.everConnected = true;
    this.state.everConnected = true;
    this.state.stale = false; // a new connection resumes from scratch
    this.attempt = 0;
    const visitor = { token: f.token, user: this.identity ? String(this.identity.user_id) : '' };
    // Connected only to show the business hours (hours.js): the token is
    // kept once the customer writes, so a look does not make every later
    // page view connect.
    if (this.peeking && !this.state.outbox.length && !this.store.visitor()) this.peekVisitor = visitor;
    else { this.peekVisitor = null; this.store.setVisitor(visitor); }
    const t = f.ticket;
    const patch = { status: 'online', trouble: '', customer: f.customer || '' };
    if (t && t.ref) {
      if (t.ref !== this.state.ticket) {
        // Another ticket than the cached one (new device, closed ticket...).
        // After a merge undone (Hilo closed us with 4409) the thread shown
        // was another customer's: this one replaces it, and what was cached
        // of that one is forgotten.
        if (this.resetThread && this.state.ticket) {
          this.store.del(`thread:${this.state.ticket}`);
          this.byId.clear();
          this.state.events = [];
        }
        this.store.setTicket(t.ref);
        patch.ticket = t.ref;
        for (const e of this.store.thread(t.ref).events) this.addEvent(e, true);
      }
      patch.ticketStatus = t.status;
      patch.assigned = !!t.assignee || this.state.assigned;
      patch.notify = t.notify || '';
      this.set(patch);
      this.raw({ type: 'resume', ticket: t.ref, after: this.lastIdOf(t.ref) });
    } else {
      if (this.state.ticket) {
        // The cached thread is not this customer's any more.
        if (this.resetThread) this.store.del(`thread:${this.state.ticket}`);
        this.store.setTicket('');
        this.byId.clear();
        Object.assign(patch, { ticket: '', ticketStatus: '', events: [], assigned: false, notify: '', notifyState: '' });
      }
      this.set(patch);
      this.ready = true;
      this.flush();
    }
    if (reset) this.resetThread = false;
  }

  lastIdOf(ref) {
    let last = this.store.thread(ref).last || '0';
    for (const e of this.state.events) if (e.ticket === ref && cmpId(e.id, last) > 0) last = e.id;
    return last;
  }

  onEvent(e) {
    if (!e || !e.id || e.kind === 'note') return;
    if (!this.addEvent(e, false)) return;
    if (e.client_id && e.author && e.author.role === 'customer') {
      // Stored by Hilo: whatever its ack says, it must never be sent again.
      const list = this.store.outbox();
      if (list.some((m) => m.client_id === e.client_id)) this.store.setOutbox(list.filter((m) => m.client_id !== e.client_id));
    }
    const patch = {};
    if (e.ticket && e.ticket !== this.state.ticket && this.isNewer(e)) {
      patch.ticket = e.ticket;
      this.store.setTicket(e.ticket);
      Object.assign(patch, { assigned: false, notify: '', notifyState: '' });
    }
    if (e.kind === 'reply' && e.ticket === (patch.ticket || this.state.ticket)) patch.assigned = true;
    if (e.kind === 'status' && e.status) patch.ticketStatus = e.status;
    else if (e.kind === 'resolution') patch.ticketStatus = 'resolved';
    else if (e.kind === 'message' && this.state.ticketStatus !== 'open') patch.ticketStatus = 'open';
    if ((e.kind === 'reply' || e.kind === 'resolution') && this.state.agentTyping) patch.agentTyping = null;
    this.set(patch);
    this.saveSoon(e.ticket);
  }

  isNewer(e) {
    const cur = this.state.events.filter((x) => x.ticket === this.state.ticket);
    return !cur.length || e.ts >= cur[cur.length - 1].ts;
  }

  // Adds an event once; keeps the list in order (by ticket start, then id).
  addEvent(e, quiet) {
    if (this.byId.has(`${e.ticket}/${e.id}`)) return false;
    this.byId.set(`${e.ticket}/${e.id}`, e);
    const evs = this.state.events.slice();
    let i = evs.length;
    while (i > 0 && evs[i - 1].ticket === e.ticket && cmpId(evs[i - 1].id, e.id) > 0) i--;
    evs.splice(i, 0, e);
    this.state.events = evs;
    if (!quiet && e.client_id) this.state.outbox = this.state.outbox.filter((m) => m.client_id !== e.client_id || m.state === 'failed');
    return true;
  }

  saveSoon(ref) {
    if (!ref) return;
    clearTimeout(this.timers[`save:${ref}`]);
    this.timers[`save:${ref}`] = setTimeout(() => {
      const evs = this.state.events.filter((e) => e.ticket === ref);
      if (evs.length) this.store.saveThread(ref, evs[evs.length - 1].id, evs);
    }, 50);
  }

  // The visitor of a look at the hours becomes this browser's visitor.
  keepVisitor() {
    this.peeking = false;
    if (!this.peekVisitor) return;
    this.store.setVisitor(this.peekVisitor);
    this.peekVisitor = null;
  }

  onAck(f) {
    this.keepVisitor();
    if (f.ticket && !this.state.ticket) {
      this.store.setTicket(f.ticket);
      this.state.ticket = f.ticket;
    }
    this.store.setOutbox(this.store.outbox().filter((m) => m.client_id !== f.client_id));
    const shown = this.state.events.some((e) => e.client_id === f.client_id);
    this.state.outbox = shown
      ? this.state.outbox.filter((m) => m.client_id !== f.client_id)
      : this.state.outbox.map((m) => (m.client_id === f.client_id ? { ...m, state: 'sent', event_id: f.event_id } : m));
    if (this.inflight === f.client_id) {
      this.inflight = null;
      clearTimeout(this.timers.ack);
    }
    this.set({ trouble: '' });
    this.flush();
  }

  // Status updates on another channel (docs/widget.md): '' stops them.
  // Hilo refuses an address the customer has not proven (bad_state).
  notify(channel) {
    if (!this.ready || !this.state.ticket) return false;
    this.notifyWant = channel;
    if (!this.raw({ type: 'notify', channel: channel || 'none', req: 'notify' })) return false;
    this.set({ notifyState: 'saving' });
    return true;
  }

  onError(f) {
    if (f.req === 'hours') { this.set({ hours: null }); return; }
    if (f.code === 'identity_blocked') {
      // An agent blocked this visitor (docs/continuity.md): Hilo closes the
      // socket and refuses every hello, so stop, do not retry.
      this.blocked = true;
      this.ready = false;
      clearTimeout(this.timers.retry);
      clearTimeout(this.timers.flush);
      this.closeSocket();
      this.set({ status: 'blocked', agentTyping: null });
      return;
    }
    if (f.req === 'notify') {
      this.set({ notifyState: f.code === 'bad_state' ? 'refused' : 'failed' });
      return;
    }
    if (f.client_id) {
      if (this.inflight === f.client_id) { this.inflight = null; clearTimeout(this.timers.ack); }
      if (RETRYABLE.has(f.code)) {
        this.set({ trouble: f.code === 'rate_limited' ? '' : 'unavailable' });
        clearTimeout(this.timers.flush);
        this.timers.flush = setTimeout(() => this.flush(), f.code === 'rate_limited' ? 1500 : 3000);
        return;
      }
      // Refused for good (too long, malformed): keep it visible, stop sending it.
      this.store.setOutbox(this.store.outbox().filter((m) => m.client_id !== f.client_id));
      this.state.outbox = this.state.outbox.map((m) => (m.client_id === f.client_id ? { ...m, state: 'failed', error: f.code } : m));
      this.emit();
      this.flush();
      return;
    }
    if (!this.everConnected || !this.ready) {
      if (f.code === 'forbidden' && this.identity && !this.state.customer) {
        // The signed identity was refused (bad signature, too old): continue
        // as an anonymous visitor rather than not at all.
        console.warn('[hilo] signed identity refused; continuing anonymously');
        this.identity = null;
        this.checkVisitor();
        this.reconnectNow();
        return;
      }
      if ((f.code === 'forbidden' || f.code === 'unknown_ticket') && this.state.customer) {
        // The cached ticket is not this customer's: start clean.
        this.store.setTicket('');
        this.byId.clear();
        this.set({ ticket: '', ticketStatus: '', events: [] });
        this.ready = true;
        this.flush();
        return;
      }
      if (f.code === 'unknown_event' && this.state.ticket) {
        // The cached thread's last id is not in the ticket (storage restored
        // from a backup, or a cache written by something else): drop the
        // cache and take the whole thread afresh.
        const ref = this.state.ticket;
        this.store.saveThread(ref, '0', []);
        for (const k of [...this.byId.keys()]) if (k.startsWith(`${ref}/`)) this.byId.delete(k);
        this.set({ events: this.state.events.filter((e) => e.ticket !== ref) });
        this.raw({ type: 'resume', ticket: ref, after: '0' });
        return;
      }
      if (RETRYABLE.has(f.code)) {
        this.set({ trouble: 'unavailable' });
        this.drop();
      }
    }
  }

  // Sends the outbox one message at a time, in order, each after the ack of
  // the previous one: order is kept even when a send has to be retried.
  flush() {
    if (!this.ready || this.inflight || !this.ws) return;
    // The panel connects on opening to show the business hours (hours.js),
    // before the pre-chat name and email are typed: the first message goes
    // out after a hello that carries them.
    const p = this.store.profile();
    if (this.state.outbox.length && this.helloProfile !== `${p.name || ''}\n${p.email || ''}`) {
      this.reconnectNow();
      return;
    }
    this.syncOutbox();
    const next = this.state.outbox.find((m) => m.state === 'queued' || m.state === 'sending');
    if (!next) return;
    const frame = { type: 'message', client_id: next.client_id, text: next.text };
    if (next.page) frame.page = next.page;
    if (next.browser) frame.browser = next.browser;
    if (this.raw(frame)) {
      this.inflight = next.client_id;
      this.watchAck(next.client_id);
      this.state.outbox = this.state.outbox.map((m) => (m.client_id === next.client_id ? { ...m, state: 'sending' } : m));
      this.emit();
    }
  }

  // Another tab changed the stored outbox: show its messages too, drop ours
  // that it got acknowledged.
  syncOutbox() {
    const stored = this.store.outbox();
    const ids = new Set(stored.map((m) => m.client_id));
    const mine = new Map(this.state.outbox.map((m) => [m.client_id, m]));
    const list = this.state.outbox.filter((m) => ids.has(m.client_id) || m.state === 'sent' || m.state === 'failed');
    for (const m of stored) {
      if (!mine.has(m.client_id) && !this.state.events.some((e) => e.client_id === m.client_id)) list.push({ ...m, state: 'queued' });
    }
    list.sort((a, b) => a.ts - b.ts);
    this.state.outbox = list;
    this.emit();
  }

  markOutbox() {
    this.state.outbox = this.state.outbox.map((m) => (m.state === 'sending' ? { ...m, state: 'queued' } : m));
  }

  lastAgentEvent() {
    for (let i = this.state.events.length - 1; i >= 0; i--) {
      const e = this.state.events[i];
      if (e.ticket === this.state.ticket && (e.kind === 'reply' || e.kind === 'resolution')) return e;
    }
    return null;
  }
}
