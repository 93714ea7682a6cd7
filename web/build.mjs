// Bundles the front ends with esbuild: web/widget/src/main.js -> web/widget.js,
// web/console/src/main.js -> web/console/app.js. Outputs are generated files
// (see .gitignore), each with a gzip copy; `scripts/setup` runs this after
// `npm ci`.
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const targets = [
  { entry: 'widget/src/main.js', out: 'widget.js', format: 'iife' },
  { entry: 'console/src/main.js', out: 'console/app.js', format: 'esm' },
];

for (const t of targets) {
  const entry = join(web, t.entry);
  if (!existsSync(entry)) continue;
  await build({
    entryPoints: [entry],
    outfile: join(web, t.out),
    bundle: true,
    minify: true,
    sourcemap: false,
    format: t.format,
    target: ['es2020'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  // Hilo serves the .gz copy to browsers that accept gzip; CSS imported by
  // the bundle comes out beside it.
  const out = join(web, t.out);
  for (const f of [out, out.replace(/\.js$/, '.css')]) {
    if (existsSync(f)) writeFileSync(f + '.gz', gzipSync(readFileSync(f), { level: 9 }));
  }
  console.log(`built web/${t.out}`);
}
