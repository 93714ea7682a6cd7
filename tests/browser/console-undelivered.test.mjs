// Issue #10: a reply the provider reports failed later (a signed WhatsApp
// status webhook, 131047) shows live in an open thread as an "undelivered"
// event with its reason, in the console's language (en, es); the delivery
// shows Failed. Real Hilo + Redis + fake Graph API, Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, agent, cleanup, withLogs } from '../lib/harness.mjs';
import {
  startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, waStatuses, isDelivery, isTicket,
} from '../lib/fake-provider.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

describe('console: undelivered replies (#10)', { timeout: suiteTimeout(120000) }, () => {
  let redis, fake, hilo, browser, pw;
  let seq = 0;
  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider();
    hilo = await startHilo({ redisUrl: redis.url, args: channelArgs(fake, { only: ['whatsapp'] }) });
    pw = await addAgent(hilo, 'ana', { display: 'Ana' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
    await fake?.close();
  });

  for (const [locale, label] of [['en-US', /Not delivered \(WhatsApp\)/], ['es-ES', /No entregado \(WhatsApp\)/]]) {
    test(`a failed status shows live in the open thread (${locale})`, withLogs(async () => {
      const num = `1650444${String(1000 + (++seq)).padStart(4, '0')}`;
      const a = await agent(hilo, 'ana', pw);
      await a.request({ type: 'queue.watch' });
      assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text: `hola ${num}` }])]))).status, 200);
      const ref = (await a.next(isTicket((t) => t.last_text === `hola ${num}`))).ticket.ref;
      await a.request({ type: 'ticket.open', ticket: ref });
      a.send({ type: 'reply', ticket: ref, client_id: `r-${seq}`, text: 'We are on it', channel: 'whatsapp' });
      const E = (await a.next((f) => f.type === 'ack' && f.client_id === `r-${seq}`)).event_id;
      const sent = await a.next(isDelivery(E, 'sent'), 10000);

      const { page } = await newPage(browser, { locale });
      await signIn(page, hilo.url, 'ana', pw);
      await queueItem(page, ref).click();
      await page.locator(`.thread [data-id="${E}"]`).waitFor();
      assert.equal(await page.locator('.thread .ev-undelivered').count(), 0);

      const st = waEnvelope([waStatuses([{ id: sent.provider_id, status: 'failed', recipient_id: num,
        errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }] }])]);
      assert.equal((await waPost(hilo, st)).status, 200);
      const ev = page.locator('.thread .ev-undelivered');
      await ev.waitFor({ timeout: 10000 });
      const text = await ev.innerText();
      assert.match(text, label);
      assert.match(text, /131047: Re-engagement message/);
      assert.equal(await ev.getAttribute('data-event-id'), E);
      await page.close();
      await a.close();
    }));
  }
});
