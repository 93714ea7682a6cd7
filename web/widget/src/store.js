// Persistent widget state in the host page's localStorage, namespaced by the
// Hilo server so two widgets of two Hilo installations never mix. Falls back
// to memory when storage is unavailable (privacy modes, sandboxed frames).

const MAX_CACHED_EVENTS = 150;

export function createStore(namespace) {
  const mem = new Map();
  let ls = null;
  try {
    ls = window.localStorage;
    const k = `${namespace}:probe`;
    ls.setItem(k, '1');
    ls.removeItem(k);
  } catch {
    ls = null;
  }
  const key = (k) => `${namespace}:${k}`;
  const get = (k, dflt) => {
    try {
      const raw = ls ? ls.getItem(key(k)) : mem.get(key(k));
      return raw == null ? dflt : JSON.parse(raw);
    } catch {
      return dflt;
    }
  };
  const set = (k, v) => {
    const raw = JSON.stringify(v);
    try {
      if (ls) ls.setItem(key(k), raw);
      else mem.set(key(k), raw);
    } catch {
      mem.set(key(k), raw);
    }
  };
  const del = (k) => {
    try { if (ls) ls.removeItem(key(k)); } catch {}
    mem.delete(key(k));
  };

  return {
    get, set, del,
    // The visitor: {token, user} (user = signed identity user_id or '').
    visitor: () => get('visitor', null),
    setVisitor: (v) => set('visitor', v),
    // Current ticket reference.
    ticket: () => get('ticket', ''),
    setTicket: (ref) => set('ticket', ref),
    // Last event id seen per ticket, and a bounded cache of its events so a
    // returning visitor sees the thread at once (then resumes after it).
    thread: (ref) => get(`thread:${ref}`, { last: '0', events: [] }),
    saveThread: (ref, last, events) =>
      set(`thread:${ref}`, { last, events: events.slice(-MAX_CACHED_EVENTS) }),
    // Id of the last agent event the customer has seen (unread badge).
    seen: (ref) => get(`seen:${ref}`, '0'),
    setSeen: (ref, id) => set(`seen:${ref}`, id),
    // Messages not yet acknowledged by Hilo: [{client_id, text, ts}].
    outbox: () => get('outbox', []),
    setOutbox: (list) => set('outbox', list),
    profile: () => get('profile', { name: '', email: '' }),
    setProfile: (p) => set('profile', p),
    // Forget everything (logout on a shared computer).
    clear: () => {
      const prefix = `${namespace}:`;
      if (ls) {
        const ks = [];
        for (let i = 0; i < ls.length; i++) {
          const k = ls.key(i);
          if (k && k.startsWith(prefix)) ks.push(k);
        }
        for (const k of ks) ls.removeItem(k);
      }
      mem.clear();
    },
    // Subscribe to changes made by other tabs.
    onChange: (fn) => {
      window.addEventListener('storage', (e) => {
        if (e.key && e.key.startsWith(`${namespace}:`)) fn(e.key.slice(namespace.length + 1));
      });
    },
  };
}
