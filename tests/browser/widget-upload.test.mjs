// Browser test of the widget's files and photos (issue #13): the labelled
// paperclip sends a PNG from a host page on another origin (CORS, visitor
// token); the file appears in the customer's thread (and live to the agent)
// and downloads byte for byte; the console shows it with a preview and a
// link; a file that is not an image or PDF by its
// bytes is refused and the refusal is announced. Debian's Chromium via
// playwright-core against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-upload.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHmac } from 'node:crypto';
import { startHilo, agent, withLogs } from '../lib/harness.mjs';
import { PNG, PDF, upload, customerWithTicket } from '../lib/uploads.mjs';
import { newPage as consolePage, signIn, queueItem } from './lib/console-helpers.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages, seriousViolations } from './lib/widget-page.mjs';

const SECRET = 'shop-identity-secret-0123456789abcdef';
const env = {};
let redis; let hilo; let browser; let agentPw;

const { hostPage, newPage, W, openWidget } = widgetPages(env, {
  prefix: 'up',
  context: { acceptDownloads: true },
  locators: { clip: '[data-part="attach"]', file: '[data-part="attach-input"]' },
});

before(async () => {
  ({ redis, hilo, browser, agentPw } = await startWidgetEnv(env, {
    webPrefix: 'hilo-widget-upload-web-', hiloArgs: ['--identity-secret', SECRET],
  }));
});

after(() => stopWidgetEnv(env));

test('a photo attached with the paperclip appears in the thread, reaches the agent and downloads byte for byte', withLogs(async () => {
  const page = await newPage();
  const w = await openWidget(page, hostPage({ lang: 'en' }));
  assert.equal(await w.clip.getAttribute('aria-label'), 'Attach a photo or PDF');
  await w.input.fill('My screen shows an error');
  await w.input.press('Enter');
  await w.ack.first().waitFor({ timeout: T });
  const ref = await w.ack.first().locator('[data-ref]').getAttribute('data-ref');
  const a = await agent(hilo, 'ana', agentPw);
  await a.request({ type: 'ticket.open', ticket: ref });

  await w.file.setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  const chip = w.host.locator('[data-kind="message"] [data-upload]');
  await chip.waitFor({ timeout: T });
  // named by its visible text, with "Download" for screen readers
  await w.host.getByRole('button', { name: /^Download screenshot\.png \(70 B\)$/ }).waitFor({ timeout: T });
  await w.host.locator('[data-part="announce"]').filter({ hasText: 'screenshot.png sent' }).waitFor({ timeout: T });
  // the agent sees it live, with the attachment
  const ev = (await a.next((f) => f.type === 'event' && Array.isArray(f.event.attachments), T)).event;
  assert.equal(ev.kind, 'message');
  assert.equal(ev.author.role, 'customer');
  assert.deepEqual(ev.attachments.map((x) => [x.name, x.mime, x.size]), [['screenshot.png', 'image/png', PNG.length]]);
  assert.equal(await chip.getAttribute('data-upload'), ev.attachments[0].id);
  // the photo is previewed in the thread (fetched with the token: a blob: URL)
  const preview = w.host.locator('[data-part="file-preview"]');
  await preview.waitFor({ timeout: T });
  assert.match(await preview.getAttribute('src'), /^blob:/);
  await page.waitForFunction(() => {
    const img = document.querySelector('hilo-widget').shadowRoot.querySelector('[data-part="file-preview"]');
    return img && img.complete && img.naturalWidth === 1;
  }, null, { timeout: T });

  assert.deepEqual(await seriousViolations(page), [], 'axe, with a file in the thread');
  // a click saves the file (fetched with the visitor token, not a bare link)
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: T }), chip.click()]);
  assert.equal(dl.suggestedFilename(), 'screenshot.png');
  const bytes = await readFile(await dl.path());
  assert.ok(bytes.equals(PNG), 'downloaded bytes differ');

  // after a reload the file is still in the thread
  await page.reload();
  const w2 = W(page);
  if (!await w2.panel.isVisible()) await w2.launcher.click();
  await w2.host.locator(`[data-upload="${ev.attachments[0].id}"]`).waitFor({ timeout: T });
  assert.deepEqual(page.errors.filter((e) => !/favicon/.test(e)), []);
  await a.close();
  await page.context().close();
}));

test('a file that is not an image or PDF by its bytes is refused, and the refusal is announced in Spanish', withLogs(async () => {
  const page = await newPage({ locale: 'es-ES' });
  const w = await openWidget(page, hostPage({ lang: 'es' }));
  assert.equal(await w.clip.getAttribute('aria-label'), 'Adjuntar una foto o un PDF');
  await w.input.fill('Hola');
  await w.input.press('Enter');
  await w.ack.first().waitFor({ timeout: T });
  const keys = async () => (await redis.cli('--scan', '--pattern', 'hilo:upload:*')).split('\n').filter(Boolean).sort();
  const stored = await keys();
  // HTML dressed as a PNG: the server reads the bytes and refuses it
  await w.file.setInputFiles({ name: 'foto.png', mimeType: 'image/png', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
  const err = w.host.locator('[data-part="upload-error"]');
  await err.filter({ hasText: 'Solo se pueden enviar fotos' }).waitFor({ timeout: T });
  assert.equal(await err.getAttribute('role'), 'alert');
  assert.deepEqual(await seriousViolations(page), [], 'axe, with a refusal shown');
  assert.equal(await w.host.locator('[data-upload]').count(), 0);
  assert.deepEqual(await keys(), stored, 'nothing stored');
  await page.context().close();
}));

test('the console shows an uploaded photo as a preview and a link, and a PDF as a link', withLogs(async () => {
  // a second instance on the same Redis serves the built console
  const con = await startHilo({ redisUrl: redis.url });
  const { cu, ref } = await customerWithTicket(con, 'mira la captura');
  const img = await upload(con, cu.token, PNG, { name: 'captura.png' });
  assert.equal(img.status, 201, img.body);
  const pdf = await upload(con, cu.token, PDF, { name: 'factura.pdf', text: 'y la factura' });
  assert.equal(pdf.status, 201, pdf.body);
  const { page } = await consolePage(browser);
  await signIn(page, con.url, 'ana', agentPw);
  await queueItem(page, ref).click();
  const link = page.getByRole('link', { name: /^Image: captura\.png · 70 B/ });
  await link.waitFor({ timeout: T });
  assert.equal(await link.getAttribute('href'), `/api/v1/media/upload/${img.json.upload.id}`);
  const thumb = page.locator(`.thread .att-thumb img[src="/api/v1/media/upload/${img.json.upload.id}"]`);
  await thumb.waitFor({ timeout: T });
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 1, await thumb.elementHandle(), { timeout: T });
  const doc = page.getByRole('link', { name: /^Document: factura\.pdf/ });
  assert.equal(await doc.getAttribute('href'), `/api/v1/media/upload/${pdf.json.upload.id}`);
  assert.equal(await page.locator('.thread .att-thumb').count(), 1, 'no preview for a PDF');
  assert.deepEqual(await seriousViolations(page, '.thread'), [], 'axe on the thread with files');
  assert.deepEqual(await page.problems(), []);
  await cu.close();
  await page.context().close();
}));

test('a signed-in customer (data-identity) attaches a photo from another origin', withLogs(async () => {
  const ts = Math.floor(Date.now() / 1000);
  const id = { user_id: 'shop-7', name: 'Lucía Núñez', email: 'lucia@example.com', ts };
  id.sig = createHmac('sha256', SECRET).update(`${id.user_id}\n${id.email}\n${id.name}\n${ts}`).digest('hex');
  const page = await newPage();
  const w = await openWidget(page, hostPage({ lang: 'en', identity: JSON.stringify(id) }));
  await w.input.fill('Signed in and sending a photo');
  await w.input.press('Enter');
  await w.ack.first().waitFor({ timeout: T });
  await w.file.setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG });
  const chip = w.host.locator('[data-kind="message"] [data-upload]');
  await chip.waitFor({ timeout: T });
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: T }), chip.click()]);
  assert.ok((await readFile(await dl.path())).equals(PNG), 'downloaded bytes differ');
  assert.equal(await w.host.locator('[data-part="upload-error"]').count(), 0);
  await page.context().close();
}));

test('a new visitor\'s first act is a photo: it opens the conversation, with the acknowledgement in their language', withLogs(async () => {
  const page = await newPage({ locale: 'es-ES' });
  const w = await openWidget(page, hostPage({ lang: 'es' }));
  await w.file.setInputFiles({ name: 'primera.png', mimeType: 'image/png', buffer: PNG });
  await w.host.locator('[data-kind="message"] [data-upload]').waitFor({ timeout: T });
  await w.ack.first().waitFor({ timeout: T });
  assert.match(await w.ack.first().textContent(), /Recibimos tu mensaje/);
  // and the conversation goes on over the socket
  await w.input.fill('¿La veis?');
  await w.input.press('Enter');
  await w.host.locator('[data-kind="message"]').filter({ hasText: '¿La veis?' }).waitFor({ timeout: T });
  const ref = await w.ack.first().locator('[data-ref]').getAttribute('data-ref');
  const a = await agent(hilo, 'ana', agentPw);
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.deepEqual(th.events.filter((e) => e.kind === 'message').map((e) => [e.text, (e.attachments || []).map((x) => x.name)]),
    [['primera.png', ['primera.png']], ['¿La veis?', []]]);
  await a.close();
  await page.context().close();
}));
