// Labels (#13), the pure part: no DOM, no store (tests import it).

/** ["vip", "refund"] from a summary (or an event). */
export function tagsOf(x) {
  return typeof x?.tags === 'string' && x.tags ? x.tags.split(',').filter(Boolean) : [];
}

/** Every label in these tickets, sorted. */
export function allTags(tickets) {
  return [...new Set(tickets.flatMap(tagsOf))].sort();
}

/** What an agent typed ("VIP, refund  late") -> ["vip", "refund", "late"]. */
export function parseTags(text) {
  const out = [];
  for (const w of String(text || '').split(/[\s,]+/)) {
    const x = w.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (x && !out.includes(x)) out.push(x);
  }
  return out;
}

