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

/** A duration for reports: "—" when there is none (null, undefined). */
export function formatDurationOrDash(ms) {
  if (ms == null || !Number.isFinite(Number(ms))) return '—';
  return Number(ms) < 1000 ? '< 1 s' : formatDuration(Number(ms));
}

const DAY = 86400000;

/** Local midnight of the day holding ms. */
export function startOfDay(ms) {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "YYYY-MM-DD" for <input type="date"> (local time). */
export function toDateInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "YYYY-MM-DDTHH:MM" for <input type="datetime-local"> (local time). */
export function toDateTimeInput(ms) {
  const d = new Date(ms);
  return `${toDateInput(ms)}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Parse a date / datetime-local input value as local time; NaN when invalid. */
export function parseLocalInput(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(String(v || ''));
  if (!m) return NaN;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0));
  return d.getMonth() === Number(m[2]) - 1 ? d.getTime() : NaN;
}

/**
 * Report period -> {from, to} in ms, `to` exclusive. kind: '7d' | '30d' | 'custom'
 * (custom: fromDay/toDay "YYYY-MM-DD", both days included). null when invalid.
 */
export function periodRange(kind, now, fromDay, toDay) {
  if (kind === '7d' || kind === '30d') {
    const days = kind === '7d' ? 7 : 30;
    const end = startOfDay(now) + DAY; // through the end of today
    return { from: end - days * DAY, to: end };
  }
  const f = parseLocalInput(fromDay);
  const t = parseLocalInput(toDay);
  if (!Number.isFinite(f) || !Number.isFinite(t) || t < f) return null;
  const to = new Date(t);
  to.setDate(to.getDate() + 1);
  return { from: f, to: to.getTime() };
}

/**
 * Every UTC day of [from, to) with its counts (days the report leaves out are 0).
 * daily: [{day:"YYYY-MM-DD", created, resolved}]. At most 400 days.
 */
export function fillDays(daily, from, to) {
  const byDay = new Map((daily || []).filter((d) => d && d.day).map((d) => [d.day, d]));
  const out = [];
  let t = Math.floor(from / DAY) * DAY;
  for (let i = 0; t < to && i < 400; i++, t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    const d = byDay.get(day);
    out.push({ day, created: Number(d?.created) || 0, resolved: Number(d?.resolved) || 0 });
  }
  // days the server has outside the computed span (time zones) are kept
  for (const d of byDay.values()) if (!out.some((o) => o.day === d.day)) out.push({ day: d.day, created: Number(d.created) || 0, resolved: Number(d.resolved) || 0 });
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Teams named in agents and ticket summaries, sorted, without "". */
export function teamsOf(...lists) {
  const set = new Set();
  for (const list of lists) for (const x of list || []) if (x && typeof x.team === 'string' && x.team) set.add(x.team);
  return [...set].sort((a, b) => a.localeCompare(b));
}

/** Agent names are 1-64 characters of a-z 0-9 . _ - (docs/rest.md). */
export function validAgentName(name) {
  return /^[a-z0-9._-]{1,64}$/.test(String(name || ''));
}

// The SLA clock an agent should look at: the first response until the first
// reply, then the resolution (docs/sla.md). {target, due, breached, paused,
// warned} or null.
export function slaView(tk) {
  if (!tk) return null;
  const done = tk.status === 'resolved' || tk.status === 'closed';
  const fr = !tk.first_response_at && tk.sla_fr_due;
  const target = fr ? 'first_response' : (!done && tk.sla_res_due ? 'resolution' : '');
  if (!target) return null;
  const p = target === 'first_response' ? 'fr' : 'res';
  return {
    target, due: tk[`sla_${p}_due`], breached: tk[`sla_${p}_breached_at`] || 0,
    warned: tk[`sla_${p}_warned`] || 0, paused: !!tk.sla_paused_at,
  };
}
