// Helpers for the agent-console browser tests: Chromium via playwright-core,
// a TCP proxy that lets a test "restart" the server behind a fixed address,
// sign-in and small DOM queries.
import net from 'node:net';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from '../../lib/harness.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'console');

// HILO_CPU_SLOWDOWN=N (e.g. 4-6) throttles every page's CPU N times through
// CDP, to reproduce timing races a fast machine hides.
export const CPU_SLOWDOWN = Number(process.env.HILO_CPU_SLOWDOWN) || 1;

/**
 * Polls cond() (sync or async) until it returns a truthy value, which it
 * returns; fails naming `what` after timeoutMs. For test-side state (frames a
 * fake server received); for the page use locators / waitForFunction.
 */
export async function waitUntil(cond, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * New context + page at 1366x768 that records page errors and CSP violations.
 * page.problems() returns them (tests assert it is empty).
 */
export async function newPage(browser, { locale = 'en-US', viewport = { width: 1366, height: 768 } } = {}) {
  const context = await browser.newContext({ locale, viewport, serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`console: ${text}`);
    else if (m.type() === 'error' && /console pane/.test(text)) problems.push(`render error: ${text}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  if (CPU_SLOWDOWN > 1) {
    // Emulate a slow, shared machine: every script runs N times slower.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  }
  page.problems = async () => {
    let csp = [];
    try { csp = await page.evaluate(() => window.__csp || []); } catch { /* page gone */ }
    return [...problems, ...csp.map((c) => `csp: ${c}`)];
  };
  return { context, page };
}

/** Fills and submits the sign-in form; does not wait for the outcome. */
export async function submitSignIn(page, baseUrl, name, password) {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel(/agent name|nombre de agente/i).fill(name);
  await page.getByLabel(/^(password|contraseña)$/i).fill(password);
  await page.getByRole('button', { name: /^(sign in|entrar)$/i }).click();
}

export async function signIn(page, baseUrl, name, password) {
  await submitSignIn(page, baseUrl, name, password);
  await page.locator('[data-conn="online"]').waitFor({ timeout: 30000 }); // the login hashes a password: slow on a loaded machine
}

/** A describe() timeout for `ms` on a normal machine, scaled by HILO_CPU_SLOWDOWN. */
export const suiteTimeout = (ms) => ms * CPU_SLOWDOWN;

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await page.screenshot({ path: file });
  return file;
}

/** Queue entry button for a ticket ref. */
export const queueItem = (page, ref) => page.locator(`.qlist .qi[data-ref="${ref}"]`);

/** Event ids shown in the thread, in DOM order. */
export async function threadIds(page) {
  return page.locator('.thread .events > li[data-id]').evaluateAll((els) => els.map((e) => e.dataset.id));
}

/**
 * TCP proxy on a fixed port. setTarget(port) changes the backend; pause()
 * refuses new connections and cuts the current ones (as a dead server does);
 * resume() lets them through again.
 */
export async function startProxy(targetPort) {
  let target = targetPort;
  let paused = false;
  const sockets = new Set();
  const server = net.createServer((client) => {
    if (paused) { client.destroy(); return; }
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setTarget(p) { target = p; },
    pause() {
      paused = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() { paused = false; },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Controls in the console without an accessible name (aria-label, <label>, text or title). */
export async function unnamedControls(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('#app button, #app input, #app select, #app textarea, #app a[href]')) {
      const byId = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent || '').join(' ');
      const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(' ') : '';
      const name = [el.getAttribute('aria-label'), byId, labels, el.tagName === 'SELECT' ? '' : el.textContent, el.getAttribute('title')]
        .map((x) => (x || '').trim()).find(Boolean);
      if (!name) bad.push(el.outerHTML.slice(0, 160));
    }
    return bad;
  });
}
