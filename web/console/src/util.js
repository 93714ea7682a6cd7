// Small pure helpers shared by the console modules.

/** Compare two Redis stream ids "ms-seq" numerically. Returns <0, 0, >0. */
export function cmpId(a, b) {
  const [am, as = '0'] = String(a || '0').split('-');
  const [bm, bs = '0'] = String(b || '0').split('-');
  const d = BigInt(am) - BigInt(bm);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const e = BigInt(as) - BigInt(bs);
  return e === 0n ? 0 : e < 0n ? -1 : 1;
}

/** "407182635" -> "4071 8263 5": groups of four, as in the acknowledgement. */
export function formatRef(ref) {
  const s = String(ref || '').replace(/\D/g, '');
  return s.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** Replace {{name}} and {{ref}} (case-insensitive, spaces allowed) in a canned text. */
export function fillPlaceholders(text, vars) {
  let emptied = false;
  const out = String(text).replace(/\{\{\s*(\w+)\s*\}\}/g, (m, key) => {
    const k = key.toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(vars, k) || vars[k] == null) return m;
    const v = String(vars[k]);
    if (!v) emptied = true;
    return v;
  });
  // "Hi {{name}}, thanks" with no name: "Hi, thanks" rather than "Hi , thanks".
  return emptied ? out.replace(/[ \t]+([,.!?;:])/g, '$1').replace(/^[\s,;:]+/, '').replace(/[ \t]{2,}/g, ' ') : out;
}

let seq = 0;
const session = Math.random().toString(36).slice(2, 8);
/** Unique client_id for idempotent sends (1-64 bytes). */
export function newClientId(prefix = 'c') {
  seq += 1;
  return `${prefix}-${session}-${Date.now().toString(36)}-${seq}`;
}

/** Minutes a ticket has been waiting (0 when not waiting). */
export function waitingMinutes(t, now) {
  if (!t || !t.waiting_since) return 0;
  return Math.max(0, (now - t.waiting_since) / 60000);
}

/** 'ok' | 'amber' | 'red' | 'none' for a waiting time and thresholds in minutes. */
export function waitLevel(t, now, amber, red) {
  if (!t || !t.waiting_since) return 'none';
  const m = waitingMinutes(t, now);
  if (m >= red) return 'red';
  if (m >= amber) return 'amber';
  return 'ok';
}

/** Human duration: "45 s", "12 min", "3 h 05", "2 d 4 h". */
export function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')}`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h`;
}

/** Sort for the queue: longest-waiting first, then tickets nobody waits on (oldest first). */
export function queueOrder(a, b) {
  const aw = a.waiting_since || 0;
  const bw = b.waiting_since || 0;
  if (aw && bw) return aw - bw || cmpStr(a.ref, b.ref);
  if (aw) return -1;
  if (bw) return 1;
  return (a.updated_at || a.created_at || 0) - (b.updated_at || b.created_at || 0) || cmpStr(a.ref, b.ref);
}

function cmpStr(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isTypingTarget(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}
