// Browser test of attachments in the console thread: WhatsApp media (links to
// /api/v1/media/whatsapp/<id>), locations (OpenStreetMap links), Twilio media
// (only http(s) URLs become links) and email attachments (name only, "not
// stored"). Real Hilo + Redis + the fake providers, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  HILO_BIN, startRedis, startHilo, addAgent, agent, cleanup, withLogs,
} from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, twPost, mgPost, mgEmail, newSid, isTicket,
} from '../lib/fake-provider.mjs';
import {
  launchBrowser, newPage, signIn, screenshot, queueItem, unnamedControls, CHROMIUM,
  suiteTimeout,
} from './lib/console-helpers.mjs';

// scripts/setup --test installs both: a missing one is a broken setup, and
// that must fail, never skip (a skipped test cannot fail)
if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const skip = false;
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

describe('agent console: attachments in the thread', { skip, timeout: suiteTimeout(90000) }, () => {
  let redis;
  let fake;
  let hilo;
  let browser;
  let pw;
  let ws;

  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider();
    hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake) });
    pw = await addAgent(hilo, 'ana', { display: 'Ana' });
    ws = await agent(hilo, 'ana', pw);
    assert.equal((await ws.request({ type: 'queue.watch' })).type, 'queue');
    browser = await launchBrowser();
  });

  after(async () => {
    await ws?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await cleanup();
    await fake?.close();
  });

  async function openTicket(page, ref) {
    await queueItem(page, ref).click();
    await page.locator('.thread .ev-atts').first().waitFor({ timeout: 10000 });
  }

  test('WhatsApp image, document and location become links (screenshot)', withLogs(async () => {
    const num = phone().slice(1);
    const msgs = [
      { type: 'image', image: { caption: 'my broken screen', mime_type: 'image/jpeg', sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=', id: '1003383421387256' } },
      { type: 'document', document: { caption: 'the invoice', filename: 'invoice.pdf', mime_type: 'application/pdf', id: '2000111222333' } },
      { type: 'location', location: { address: '1 Central Park W, New York', latitude: 40.782910059774, longitude: -73.959075808525, name: 'Central Park' } },
    ];
    const first = await waPost(hilo, waEnvelope([waMessages([{ from: num, ...msgs[0] }])]));
    assert.equal(first.status, 200, first.body);
    const ref = (await ws.next(isTicket((t) => t.last_text === 'my broken screen'))).ticket.ref;
    for (const m of msgs.slice(1)) assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, ...m }])]))).status, 200);
    await ws.next(isTicket((t) => t.ref === ref && t.messages === 3), 5000);

    const { page } = await newPage(browser, { viewport: { width: 1366, height: 900 } });
    await signIn(page, hilo.url, 'ana', pw);
    await openTicket(page, ref);
    await page.locator('.thread .att-location').waitFor();

    const img = page.getByRole('link', { name: /^Image \(image\/jpeg\)/ });
    assert.equal(await img.getAttribute('href'), '/api/v1/media/whatsapp/1003383421387256');
    assert.equal(await img.getAttribute('target'), '_blank');
    assert.match(await img.getAttribute('rel'), /\bnoopener\b/);
    assert.equal(await img.locator('xpath=.').evaluate((a) => a.firstChild.textContent), 'Image (image/jpeg)');

    const doc = page.getByRole('link', { name: /^Document: invoice\.pdf/ });
    assert.equal(await doc.getAttribute('href'), '/api/v1/media/whatsapp/2000111222333');

    const map = page.locator('.thread .att-location a');
    assert.equal(await map.getAttribute('href'), 'https://www.openstreetmap.org/?mlat=40.782910059774&mlon=-73.959075808525');
    assert.match(await map.textContent(), /^Central Park, 1 Central Park W, New York/);
    assert.equal(await map.getAttribute('target'), '_blank');
    assert.match(await map.getAttribute('rel'), /\bnoopener\b/);

    // the media link is same-origin and authenticated by the session cookie:
    // without it Hilo answers 401, with it Hilo asks the (fake) Graph API.
    const noCookie = await fetch(`${hilo.url}/api/v1/media/whatsapp/1003383421387256`);
    assert.equal(noCookie.status, 401);
    const withCookie = await page.evaluate((u) => fetch(u).then((r) => r.status), '/api/v1/media/whatsapp/1003383421387256');
    assert.notEqual(withCookie, 401);

    assert.deepEqual(await unnamedControls(page), []);
    await screenshot(page, 'attachments.png');
    assert.deepEqual(await page.problems(), []);
    await page.context().close();
  }));

  test('Twilio media: a javascript: URL is not a link, an https one is', withLogs(async () => {
    const from = phone();
    const sid = newSid();
    const p = {
      ToCountry: 'US', SmsMessageSid: sid, NumMedia: '2', SmsSid: sid, SmsStatus: 'received', Body: 'two pictures',
      To: '+14155550199', NumSegments: '1', MessageSid: sid, AccountSid: fake.config.twilioSid, From: from, ApiVersion: '2010-04-01',
      MediaUrl0: 'javascript:alert(1)', MediaContentType0: 'image/jpeg',
      MediaUrl1: `https://api.twilio.com/2010-04-01/Accounts/${fake.config.twilioSid}/Messages/${sid}/Media/ME0123`, MediaContentType1: 'image/png',
    };
    const res = await twPost(hilo, '/webhooks/twilio/messaging', p);
    assert.equal(res.status, 200, res.body);
    const ref = (await ws.next(isTicket((x) => x.last_text === 'two pictures'))).ticket.ref;
    const th = await ws.request({ type: 'ticket.open', ticket: ref });
    const ev = th.events.find((e) => e.kind === 'message');
    // Hilo stores what Twilio sent, unfiltered: the console is what must not
    // turn the javascript: URL into a link (docs/console.md, Attachments).
    assert.deepEqual(ev.media, [
      { url: 'javascript:alert(1)', content_type: 'image/jpeg' },
      { url: p.MediaUrl1, content_type: 'image/png' },
    ]);

    const { page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw);
    await openTicket(page, ref);
    const items = page.locator('.thread .att[data-att="twilio"]');
    await items.nth(1).waitFor();
    assert.equal(await page.locator('a[href^="javascript" i], a[href*="alert(1)"]').count(), 0, 'no javascript: link');
    assert.equal(await items.count(), 2);
    assert.equal(await items.nth(0).locator('a').count(), 0);
    assert.equal(await items.nth(0).locator('.att-name').textContent(), 'Image (image/jpeg)');
    assert.match(await items.nth(0).textContent(), /link not shown/);
    const ok = page.getByRole('link', { name: /^Image \(image\/png\)/ });
    assert.equal(await ok.getAttribute('href'), p.MediaUrl1);
    assert.equal(await ok.getAttribute('target'), '_blank');
    assert.deepEqual(await page.problems(), []);
    await page.context().close();
  }));

  test('email attachments: the file name and "not stored", in Spanish', withLogs(async () => {
    const { fields } = mgEmail({ from: 'Lucía <lucia@example.net>', text: 'adjunto la factura' });
    const res = await mgPost(hilo, { ...fields, 'attachment-1': new File(['%PDF-1.4'], 'factura.pdf', { type: 'application/pdf' }) }, { multipart: true });
    assert.equal(res.status, 200, res.body);
    const ref = (await ws.next(isTicket((x) => x.last_text === 'adjunto la factura'))).ticket.ref;
    const th = await ws.request({ type: 'ticket.open', ticket: ref });
    const ev = th.events.find((e) => e.kind === 'message');
    // Hilo keeps the attachment's name, not the file (docs/console.md).
    assert.deepEqual(ev.attachments, [{ field: 'attachment-1', filename: 'factura.pdf' }]);
    const { page } = await newPage(browser, { locale: 'es-ES' });
    await signIn(page, hilo.url, 'ana', pw);
    await openTicket(page, ref);
    const item = page.locator('.thread .att[data-att="email"]');
    assert.equal(await item.locator('a').count(), 0);
    assert.equal(await item.locator('.att-name').textContent(), 'factura.pdf');
    assert.equal(await item.locator('.att-note').textContent(), 'Hilo no guarda el archivo');
    assert.equal(await page.locator('.ev-atts').getAttribute('aria-label'), 'Adjuntos');
    assert.deepEqual(await page.problems(), []);
    await page.context().close();
  }));
});
