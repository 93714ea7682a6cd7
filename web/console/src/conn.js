// WebSocket connection to Hilo (subprotocol hilo.agent.v1) with reconnect,
// exponential backoff with jitter, keepalive pings and request/answer matching.
export const SUBPROTOCOL = 'hilo.agent.v1';
const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];

export function wsUrl(loc = window.location) {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/ws`;
}

export class Connection {
  /**
   * handlers: onFrame(frame), onState(state, info), beforeConnect() -> Promise<'ok'|'expired'|'retry'>
   */
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.ws = null;
    this.attempt = 0;
    this.stopped = true;
    this.timer = null;
    this.pingTimer = null;
    this.lastFrameAt = 0;
    this.reqSeq = 0;
    this.waiting = new Map(); // req -> {resolve, reject, timer}
    this.healthy = false;
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.authTimer);
    clearInterval(this.pingTimer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      try { ws.close(1000, 'bye'); } catch { /* ignore */ }
    }
    this.failAll('closed');
  }

  /** Skip the rest of the backoff wait. */
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.open();
  }

  async open() {
    if (this.stopped) return;
    this.setState('connecting');
    let verdict = 'ok';
    if (this.attempt > 0 && this.h.beforeConnect) {
      try { verdict = await this.h.beforeConnect(); } catch { verdict = 'retry'; }
    }
    if (this.stopped) return;
    if (verdict === 'expired') { this.h.onExpired?.(); return; }
    if (verdict === 'retry') { this.scheduleRetry(); return; }
    let ws;
    try {
      ws = new WebSocket(this.url, SUBPROTOCOL);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.healthy = false;
    ws.onopen = () => {
      // The cookie should authenticate the socket at once; if no session frame
      // comes, drop it: the next attempt first asks GET /api/v1/session why.
      clearTimeout(this.authTimer);
      this.authTimer = setTimeout(() => {
        if (this.ws === ws && !this.healthy) {
          try { ws.close(4000, 'no session'); } catch { /* ignore */ }
          this.closed(ws, 4000);
        }
      }, 6000);
      this.lastFrameAt = Date.now();
      this.lastTick = Date.now();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.keepalive(), 20000);
    };
    ws.onmessage = (m) => {
      this.lastFrameAt = Date.now();
      if (typeof m.data !== 'string') return;
      let f;
      try { f = JSON.parse(m.data); } catch { return; }
      if (!f || typeof f.type !== 'string') return;
      if (f.type === 'session') {
        this.healthy = true;
        this.attempt = 0;
        this.setState('online');
      }
      if (f.req && this.waiting.has(f.req)) {
        const w = this.waiting.get(f.req);
        this.waiting.delete(f.req);
        clearTimeout(w.timer);
        if (f.type === 'error') w.reject(f); else w.resolve(f);
      }
      this.h.onFrame(f);
    };
    ws.onclose = (ev) => this.closed(ws, ev.code);
    ws.onerror = () => { /* onclose follows */ };
  }

  closed(ws, code) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.healthy = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.authTimer);
    this.failAll('disconnected');
    if (this.stopped) return;
    if (code === 4401) { this.h.onExpired?.(); return; }
    this.h.onDisconnect?.(code);
    this.scheduleRetry();
  }

  keepalive() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    const gap = now - (this.lastTick || now);
    this.lastTick = now;
    if (gap > 45000) {
      // The timer itself ran late (machine asleep, tab frozen, clock jump):
      // do not judge the link on that; ping and judge at the next tick.
      this.lastFrameAt = now;
      this.send({ type: 'ping' });
      return;
    }
    if (now - this.lastFrameAt > 50000) {
      // No frame (not even a pong) for too long: the link is dead.
      const ws = this.ws;
      try { ws.close(4000, 'timeout'); } catch { /* ignore */ }
      this.closed(ws, 4000);
      return;
    }
    this.send({ type: 'ping' });
  }

  scheduleRetry() {
    if (this.stopped) return;
    const base = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    const at = Date.now() + delay;
    this.setState('offline', { retryAt: at });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), delay);
  }

  setState(s, info = {}) {
    this.state = s;
    this.h.onState?.(s, info);
  }

  get online() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN && this.healthy;
  }

  /** Send a frame; false when not connected. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Send a frame with a fresh `req`; resolves with the answer, rejects with the error frame. */
  request(frame, timeoutMs = 15000) {
    this.reqSeq += 1;
    const req = `r${this.reqSeq}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...frame, req })) {
        reject({ type: 'error', code: 'offline', message: 'offline' });
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(req);
        reject({ type: 'error', code: 'timeout', message: 'no answer' });
      }, timeoutMs);
      this.waiting.set(req, { resolve, reject, timer });
    });
  }

  failAll(code) {
    for (const [, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject({ type: 'error', code: 'offline', message: code });
    }
    this.waiting.clear();
  }
}
