// Browser-test helpers: Debian's Chromium through playwright-core (never a
// downloaded browser), a throwaway "host site" HTTP server for embedding
// pages, a TCP proxy that can cut connections, and artefact paths.
// Shared read-only by the widget and console browser tests.
//
//   launchBrowser({args?}) -> Browser           (call browser.close())
//   artifactDir(name) -> absolute dir under <repo>/test-artifacts/<name>
//   buildWidget(dir) -> path of <dir>/widget.js bundled from web/widget/src
//     (same esbuild options as web/build.mjs), plus web/index.html and
//     web/demo/ copied next to it, so <dir> can be Hilo's --web-root.
//   startHostSite({root, csp?}) -> {url, origin, port, page(path, spec), close()}
//     serves files of root; page(path, {file, vars}) registers a page whose
//     {{NAME}} placeholders are replaced by vars (values HTML-escaped, unless
//     the name starts with RAW_). csp(origin) -> header value or ''.
//   startProxy(targetPort) -> {port, url, cut(), restore(), retarget(port),
//     holdDownstream(on), connections, close()}: a TCP proxy; cut() closes
//     every connection and refuses new ones until restore().
//   collectConsole(page) -> array of 'type: text' console/page errors
//   esc(s) -> s escaped for HTML text and attribute values

import { chromium } from 'playwright-core';
import { build } from 'esbuild';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser({ args = [] } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...args],
  });
}

export function artifactDir(name) {
  const d = path.join(repoRoot, 'test-artifacts', name);
  mkdirSync(d, { recursive: true });
  return d;
}

export async function buildWidget(dir) {
  const out = path.join(dir, 'widget.js');
  await build({
    entryPoints: [path.join(repoRoot, 'web/widget/src/main.js')],
    outfile: out, bundle: true, minify: true, sourcemap: false, format: 'iife',
    target: ['es2020'], legalComments: 'none', logLevel: 'warning',
  });
  const web = path.join(repoRoot, 'web');
  if (existsSync(path.join(web, 'index.html'))) cpSync(path.join(web, 'index.html'), path.join(dir, 'index.html'));
  if (existsSync(path.join(web, 'demo'))) cpSync(path.join(web, 'demo'), path.join(dir, 'demo'), { recursive: true });
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json',
};
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

export async function startHostSite({ root, csp = null, host = '127.0.0.1' } = {}) {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const headers = { 'cache-control': 'no-store' };
    const spec = pages.get(u.pathname);
    let file = spec ? spec.file : u.pathname.replace(/^\/+/, '');
    const p = path.resolve(root, file);
    if (!p.startsWith(path.resolve(root)) || !existsSync(p)) { res.writeHead(404, headers); res.end('not found'); return; }
    let body = readFileSync(p);
    const type = TYPES[path.extname(p)] || 'application/octet-stream';
    if (spec) {
      const vars = typeof spec.vars === 'function' ? spec.vars(u) : (spec.vars || {});
      body = body.toString().replace(/\{\{(\w+)\}\}/g, (_, k) => (k in vars ? (k.startsWith('RAW_') ? String(vars[k]) : esc(vars[k])) : ''));
    }
    if (type.startsWith('text/html') && csp) headers['content-security-policy'] = csp(site.origin);
    res.writeHead(200, { 'content-type': type, ...headers });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, host, r));
  const { port } = server.address();
  const site = {
    port, origin: `http://${host}:${port}`, url: `http://${host}:${port}`,
    page(p, spec) { pages.set(p, spec); return `${site.url}${p}`; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
  return site;
}

export async function startProxy(targetPort, { host = '127.0.0.1' } = {}) {
  let target = targetPort;
  let isCut = false;
  let hold = false;
  const pairs = new Set();
  const server = net.createServer((client) => {
    if (isCut) { client.destroy(); return; }
    const upstream = net.connect(target, host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => { if (!hold) client.write(d); });
    client.on('error', end); upstream.on('error', end);
    client.on('close', end); upstream.on('close', end);
  });
  await new Promise((r) => server.listen(0, host, r));
  const { port } = server.address();
  return {
    port, url: `http://${host}:${port}`,
    get connections() { return pairs.size; },
    cut() { isCut = true; for (const p of [...pairs]) { p.client.destroy(); p.upstream.destroy(); } pairs.clear(); },
    restore() { isCut = false; },
    retarget(p) { target = p; },
    // Drop (not delay) bytes from server to client: acks get lost.
    holdDownstream(on) { hold = !!on; },
    close: () => new Promise((r) => { for (const p of pairs) { p.client.destroy(); p.upstream.destroy(); } server.close(() => r()); }),
  };
}

export function collectConsole(page) {
  const out = [];
  page.on('console', (m) => {
    // Chromium asks the host page's server for a favicon at its own pace;
    // its 404 says nothing about the widget.
    if (/\/favicon\.ico$/.test(m.location()?.url || '')) return;
    if (m.type() === 'error' || m.type() === 'warning') out.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => out.push(`pageerror: ${e.message}`));
  return out;
}
