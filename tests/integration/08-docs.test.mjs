// docs/config.md is generated from the options table; it must not drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.HILO_BIN || path.join(root, 'build/hilo');

test('docs/config.md is what `hilo config-doc` prints', () => {
  const generated = execFileSync(bin, ['config-doc'], { encoding: 'utf8' });
  const committed = readFileSync(path.join(root, 'docs/config.md'), 'utf8');
  assert.equal(committed, generated, 'run: build/hilo config-doc > docs/config.md');
});

test('every option in --help is documented in docs/config.md', () => {
  const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
  const flags = [...help.matchAll(/^\s+(--[a-z-]+) /gm)].map((m) => m[1]);
  assert.ok(flags.length >= 20);
  const doc = readFileSync(path.join(root, 'docs/config.md'), 'utf8');
  for (const f of flags) assert.ok(doc.includes('`' + f + '`'), f);
});
