// Helpers for event ids ("ms-seq" Redis stream ids) and ticket references.

// Compares two stream ids as integer pairs: <0, 0, >0. "0" sorts first.
export function cmpId(a, b) {
  const pa = String(a || '0').split('-');
  const pb = String(b || '0').split('-');
  for (let i = 0; i < 2; i++) {
    const x = pa[i] || '0';
    const y = pb[i] || '0';
    if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// "40718263" -> "4071 8263", "407182635" -> "4071 8263 5": groups of four
// are easier to read back and to key in on a phone.
export function formatRef(ref) {
  return String(ref || '').replace(/\D/g, '').replace(/(\d{4})(?=\d)/g, '$1 ');
}

// Unique enough per customer: 64 random bits plus a counter.
let seq = 0;
export function newClientId() {
  const b = new Uint8Array(8);
  (window.crypto || window.msCrypto).getRandomValues(b);
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return `w-${s}-${(++seq).toString(36)}`;
}

// Length in code points, as the server counts `max_text`.
export function codePoints(s) {
  let n = 0;
  for (const _ of String(s)) n++;
  return n;
}
