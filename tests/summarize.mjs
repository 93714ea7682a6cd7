// Sums every test case in meson's testlog.json files (TAP subtests, not just
// test programs) and prints "N passed, N failed[, N skipped]". Exit 1 when
// anything failed or nothing ran.
import { readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const t = JSON.parse(line);
    const out = t.stdout || '';
    const node = [...out.matchAll(/^# (pass|fail|skipped|todo|cancelled) (\d+)$/gm)];
    let p = 0, f = 0, s = 0;
    if (node.length) {
      for (const [, k, n] of node) {
        if (k === 'pass') p = +n;
        else if (k === 'fail' || k === 'cancelled') f += +n;
        else s += +n;
      }
    } else {
      for (const m of out.matchAll(/^(not ok|ok)\b.*$/gm)) {
        if (/# SKIP/i.test(m[0])) s++;
        else if (m[1] === 'ok') p++;
        else f++;
      }
    }
    // A program that failed without reporting a failing case (crash, leak,
    // timeout) still counts as one failure.
    if (t.result !== 'OK' && t.result !== 'SKIP' && f === 0) f = 1;
    if (t.result === 'SKIP' && p + f + s === 0) s = 1;
    passed += p; failed += f; skipped += s;
  }
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed || passed === 0 ? 1 : 0);
