// Issue #13, working together: the composer asks before a reply goes out
// while another agent is typing in the same ticket or has just answered it;
// a reply the provider refuses for good keeps the ticket waiting (not
// "Answered") and offers no Retry. Real Hilo + Redis + fake WhatsApp, Debian
// Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs } from '../lib/harness.mjs';
import { startFakeProvider, channelArgs, waPost, waEnvelope, waMessages, isTicket } from '../lib/fake-provider.mjs';
import { launchBrowser, newPage, signIn, queueItem, CHROMIUM, suiteTimeout, screenshot } from './lib/console-helpers.mjs';

if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);

describe('console: working together (#13)', { timeout: suiteTimeout(150000) }, () => {
  let redis, hilo, fake, browser;
  const pw = {};
  before(async () => {
    redis = await startRedis();
    fake = await startFakeProvider();
    hilo = await startHilo({ redisUrl: redis.url, args: [...channelArgs(fake), '--session-ttl', '3600'] });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob Builder' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
    await fake?.close();
  });

  test('send-time warning: a colleague typing, then a colleague who just replied; notes never ask', withLogs(async () => {
    const cu = await customer(hilo, { locale: 'en', name: 'Twice Tina' });
    cu.send({ type: 'message', client_id: 'wt-1', text: 'my kettle leaks' });
    const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 'wt-1')).ticket;
    const bob = await agent(hilo, 'bob', pw.bob);
    await bob.request({ type: 'ticket.open', ticket: ref });

    const { context, page } = await newPage(browser);
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'my kettle leaks' }).waitFor();
    const box = page.locator('#composer-text');
    const warning = page.locator('[data-conflict]');

    // Bob is typing: Ctrl+Enter asks instead of sending
    bob.send({ type: 'typing', ticket: ref, state: true });
    await page.locator('.agents-typing', { hasText: 'Bob Builder' }).waitFor();
    await box.fill('We will send a replacement');
    await box.press('Control+Enter');
    await warning.waitFor();
    assert.equal(await warning.getAttribute('role'), 'alert');
    assert.match(await warning.textContent(), /Someone else is answering this customer/);
    assert.match(await warning.textContent(), /Bob Builder: writing a reply right now/);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'send-anyway');
    await screenshot(page, 'c2-conflict.png');
    // not sent: nothing pending, the customer got nothing
    assert.equal(await page.locator('.ev-pending').count(), 0);
    await cu.none((f) => f.type === 'event' && f.event.kind === 'reply', 300);
    // "Don't send yet" keeps the text and goes back to it
    await warning.getByRole('button', { name: 'Don’t send yet' }).click();
    await warning.waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), 'We will send a replacement');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-text');

    // Bob stops typing and answers: "refund". Ana's send asks again, quoting it.
    bob.send({ type: 'typing', ticket: ref, state: false });
    await page.locator('.agents-typing').waitFor({ state: 'detached' });
    bob.send({ type: 'reply', ticket: ref, client_id: 'wt-bob', text: 'We will refund you' });
    await page.locator('.thread [data-kind="reply"]', { hasText: 'We will refund you' }).waitFor();
    await box.press('Control+Enter');
    await warning.waitFor();
    assert.match(await warning.textContent(), /Bob Builder replied at .*“We will refund you”/);
    assert.doesNotMatch(await warning.textContent(), /writing a reply/);
    // an internal note never asks
    await page.locator('[data-mode="note"]').click();
    await warning.waitFor({ state: 'detached' }).catch(() => {});
    await box.fill('note: check with Bob');
    await box.press('Control+Enter');
    await page.locator('.thread [data-kind="note"]', { hasText: 'note: check with Bob' }).waitFor();
    assert.equal(await warning.count(), 0);
    // back to the reply: Send anyway sends it once
    await page.locator('[data-mode="reply"]').click();
    assert.equal(await box.inputValue(), 'We will send a replacement');
    await box.press('Control+Enter');
    await warning.getByRole('button', { name: 'Send anyway' }).click();
    const got = await cu.next((f) => f.type === 'event' && f.event.kind === 'reply' && f.event.text === 'We will send a replacement');
    assert.equal(got.event.author.name, 'Ana');
    await warning.waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), '');
    await bob.close();
    assert.deepEqual(await page.problems(), []);
    await context.close();
  }));

  test('Spanish: the warning is translated', withLogs(async () => {
    const cu = await customer(hilo, { locale: 'es', name: 'Pepa' });
    cu.send({ type: 'message', client_id: 'wt-es', text: 'hola' });
    const ref = (await cu.next((f) => f.type === 'ack' && f.client_id === 'wt-es')).ticket;
    const bob = await agent(hilo, 'bob', pw.bob);
    await bob.request({ type: 'ticket.open', ticket: ref });
    const { context, page } = await newPage(browser, { locale: 'es-ES' });
    await signIn(page, hilo.url, 'ana', pw.ana);
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]').waitFor();
    bob.send({ type: 'reply', ticket: ref, client_id: 'wt-bob-es', text: 'Te devolvemos el dinero' });
    await page.locator('.thread [data-kind="reply"]').waitFor();
    await page.locator('#composer-text').fill('Te mandamos otro');
    await page.locator('#composer-text').press('Control+Enter');
    const warning = page.locator('[data-conflict]');
    await warning.waitFor();
    assert.match(await warning.textContent(), /Otra persona está respondiendo a este cliente/);
    assert.match(await warning.textContent(), /Bob Builder respondió a las .*«Te devolvemos el dinero»/);
    await warning.getByRole('button', { name: 'Enviar de todos modos' }).waitFor();
    await warning.getByRole('button', { name: 'No enviar todavía' }).click();
    await warning.waitFor({ state: 'detached' });
    await bob.close();
    await context.close();
  }));

  test('a permanent WhatsApp refusal: no Retry, and the queue row keeps waiting instead of "Answered"', withLogs(async () => {
    const num = '16507778801';
    const ana = await agent(hilo, 'ana', pw.ana);
    await ana.request({ type: 'queue.watch' });
    assert.equal((await waPost(hilo, waEnvelope([waMessages([{ from: num, text: 'where is my order?' }])]))).status, 200);
    const ref = (await ana.next(isTicket((t) => t.last_text === 'where is my order?'))).ticket.ref;
    await fake.waitFor(fake.whatsapp, (r) => r.body.to.replace(/^\+/, '') === num); // the acknowledgement went out
    await ana.close();
    fake.permanent('whatsapp');
    try {
      const { context, page } = await newPage(browser);
      await signIn(page, hilo.url, 'ana', pw.ana);
      const row = queueItem(page, ref);
      await row.click();
      await page.locator('.thread [data-kind="message"]', { hasText: 'where is my order?' }).waitFor();
      await page.locator('#composer-channel').selectOption('whatsapp');
      await page.locator('#composer-text').fill('It left yesterday');
      await page.locator('#composer-text').press('Control+Enter');
      const li = page.locator('.thread li[data-kind="reply"]', { hasText: 'It left yesterday' });
      await li.locator('[data-delivery="failed"]').waitFor({ timeout: 15000 });
      await li.locator('[data-permanent]', { hasText: 'refused it for good' }).waitFor();
      assert.equal(await li.getByRole('button', { name: 'Retry sending this message' }).count(), 0);
      // the queue row and the header wait again
      await row.locator('.wait:not(.wait-none)').waitFor();
      assert.doesNotMatch(await row.textContent(), /Answered/);
      await page.locator('.ticket-head .wait').waitFor();
      assert.deepEqual(await page.problems(), []);
      await context.close();
    } finally {
      fake.heal('whatsapp');
    }
  }));
});
