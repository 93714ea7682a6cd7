// Bundles the front ends with esbuild: web/widget/src/main.js -> web/widget.js,
// web/console/src/main.js -> web/console/app.js. Outputs are generated files
// (see .gitignore); `scripts/setup` runs this after `npm ci`.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
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
  console.log(`built web/${t.out}`);
}
