// Browser tests of the agent console (web/console/) against a real Hilo and
// Redis, driving Debian's Chromium with playwright-core. The customer side is
// played over WebSocket with tests/lib/harness.mjs.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  HILO_BIN, startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, sleep, cmpId,
} from '../lib/harness.mjs';
import {
  launchBrowser, newPage, signIn, screenshot, queueItem, threadIds, startProxy, unnamedControls, CHROMIUM,
  suiteTimeout, submitSignIn,
} from './lib/console-helpers.mjs';

// scripts/setup --test installs both: a missing one is a broken setup, and
// that must fail, never skip (a skipped test cannot fail)
if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const skip = false;

const fmtRef = (ref) => String(ref).replace(/(\d{4})(?=\d)/g, '$1 ');
let seq = 0;
const cid = () => `t-${Date.now()}-${++seq}`;

/** A customer who writes one message; resolves with {cu, ref, ev}. */
async function newTicket(hilo, { name, locale = 'en', text }) {
  const cu = await customer(hilo, { name, locale });
  cu.send({ type: 'message', client_id: cid(), text });
  const ack = await cu.next('ack');
  return { cu, ref: ack.ticket, eventId: ack.event_id };
}

async function say(cu, text) {
  const id = cid();
  cu.send({ type: 'message', client_id: id, text });
  return cu.next((f) => f.type === 'ack' && f.client_id === id);
}

describe('agent console', { skip, timeout: suiteTimeout(180000) }, () => {
  let redis;
  let hilo;
  let browser;
  const pw = {};
  const pages = [];

  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  async function agentPage(opts = {}, base = hilo.url) {
    const p = await newPage(browser, opts);
    pages.push(p);
    await signIn(p.page, base, 'ana', pw.ana);
    return p;
  }

  /** Close every open/pending ticket so a test starts from an empty queue. */
  async function clearQueue() {
    const bob = await agent(hilo, 'bob', pw.bob);
    const q = await bob.request({ type: 'queue.watch' });
    for (const tk of q.tickets) await bob.request({ type: 'status', ticket: tk.ref, status: 'closed' });
    await bob.close();
  }

  async function noProblems(page) {
    assert.deepEqual(await page.problems(), [], 'no page errors or CSP violations');
  }

  test('sign in: default language, wrong password, HttpOnly cookie, sign out', withLogs(async () => {
    // Spanish browser -> Spanish sign-in page
    const es = await newPage(browser, { locale: 'es-ES' });
    await es.page.goto(`${hilo.url}/console/`);
    await es.page.getByRole('heading', { name: 'Entrar en Hilo' }).waitFor();
    await screenshot(es.page, 'sign-in-es.png');
    await es.context.close();

    const { context, page } = await newPage(browser);
    await page.goto(`${hilo.url}/console/`);
    await page.getByRole('heading', { name: 'Sign in to Hilo' }).waitFor();
    await page.getByLabel('Agent name').fill('ana');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong agent name or password' }).waitFor();

    await page.getByLabel('Password').fill(pw.ana);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-conn="online"]').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Queue/ }).waitFor();
    assert.match(await page.locator('.agent-name').textContent(), /Ana/);

    const cookie = (await context.cookies()).find((c) => c.name === 'hilo_session');
    assert.ok(cookie, 'hilo_session cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('hilo_session')), false);

    // a reload keeps the session (cookie), then sign out ends it
    await page.reload();
    await page.locator('[data-conn="online"]').waitFor();
    await page.locator('[data-action="signout"]').click();
    await page.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();
    assert.equal(await page.evaluate(() => fetch('/api/v1/session').then((r) => r.status)), 401);
    await noProblems(page);
    await context.close();
  }));

  test('a customer message appears live in the queue and the thread', withLogs(async () => {
    const { page } = await agentPage();
    const { cu, ref } = await newTicket(hilo, { name: 'Lucía Pérez', locale: 'es', text: 'Hola, mi pedido no ha llegado' });

    const item = queueItem(page, ref);
    await item.waitFor();
    assert.match(await item.textContent(), /Lucía Pérez/);
    assert.match(await item.textContent(), /Hola, mi pedido no ha llegado/);
    assert.match(await item.getAttribute('class'), /unseen/); // marked until opened
    assert.match(await page.title(), /^\(\d+\) Hilo console$/);

    await item.click();
    await page.waitForFunction(() => document.title === 'Hilo console');
    const thread = page.locator('.thread');
    await thread.locator('[data-kind="message"]', { hasText: 'Hola, mi pedido no ha llegado' }).waitFor();
    await thread.locator('[data-kind="ack"]').waitFor();
    assert.match(await thread.locator('[data-kind="ack"]').textContent(), /Acknowledgement sent/);
    assert.match(await page.locator('#ticket-title').textContent(), new RegExp(fmtRef(ref)));

    // typing indicator, then a second message live in thread, queue and context card
    cu.send({ type: 'typing', state: true });
    await page.locator('.typing-text', { hasText: 'Lucía Pérez is typing' }).waitFor();
    await say(cu, 'Es el pedido 5521, lo pedí el lunes');
    await thread.locator('[data-kind="message"]', { hasText: 'Es el pedido 5521' }).waitFor();
    await item.filter({ hasText: 'Es el pedido 5521' }).waitFor();
    // the card counts the customer's messages instead of repeating the thread (#13)
    await page.locator('.context [data-words="2"]').waitFor();
    assert.equal(await page.locator('.context .w-text').count(), 0);
    assert.match(await page.locator('.context').textContent(), /Lucía Pérez/);
    assert.match(await page.locator('.context').textContent(), /Web/);
    await noProblems(page);
  }));

  test('reply (with a canned response), internal note, assign, pending, resolve, reopen', withLogs(async () => {
    const { page } = await agentPage();
    const { cu, ref } = await newTicket(hilo, { name: 'Marta', text: 'My invoice is wrong' });
    await queueItem(page, ref).click();
    const thread = page.locator('.thread');
    await thread.locator('[data-kind="message"]').waitFor();

    // reply via keyboard: r, type, Ctrl+Enter
    await page.locator('body').press('r');
    const box = page.locator('#composer-text');
    await box.waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'composer-text');
    await box.fill('Let me check that invoice for you.');
    await box.press('Control+Enter');
    const reply = await cu.next((f) => f.type === 'event' && f.event.kind === 'reply');
    assert.equal(reply.event.text, 'Let me check that invoice for you.');
    await thread.locator('[data-kind="reply"]', { hasText: 'Let me check that invoice' }).waitFor();
    await page.locator('.ev-pending').waitFor({ state: 'detached' });
    assert.equal(await thread.locator('[data-kind="reply"]', { hasText: 'Let me check that invoice' }).count(), 1);
    assert.equal(await box.inputValue(), '');

    // canned response with {{name}} and {{ref}} filled in
    await page.getByLabel('Canned response').selectOption({ label: 'Greeting' });
    assert.equal(await box.inputValue(), `Hi Marta, thanks for reaching out. I am looking into your case ${fmtRef(ref)}.`);
    await page.locator('[data-send="reply"]').click();
    const canned = await cu.next((f) => f.type === 'event' && f.event.kind === 'reply');
    assert.equal(canned.event.text, `Hi Marta, thanks for reaching out. I am looking into your case ${fmtRef(ref)}.`);

    // internal note: shown distinct, never reaches the customer
    await page.locator('body').press('n');
    await box.fill('Billing system shows a double charge.');
    await box.press('Control+Enter');
    const note = thread.locator('li.ev-note[data-kind="note"]', { hasText: 'Billing system shows a double charge.' });
    await note.waitFor();
    assert.match(await note.textContent(), /Internal note/);
    await cu.none((f) => f.type === 'event' && f.event.kind === 'note', 500);

    // assign to me, to a named agent, to an unknown one, unassign
    await page.locator('[data-action="assign-me"]').click();
    await thread.locator('[data-kind="assign"]', { hasText: 'assigned the ticket to ana' }).waitFor();
    await queueItem(page, ref).locator('.who', { hasText: 'ana' }).waitFor();
    await page.locator('[data-action="more"]').click(); // behind "More ▾" (#13)
    await page.locator('[data-action="assign-to"]').click();
    await page.getByLabel('Agent name').fill('nobody');
    await page.getByLabel('Agent name').press('Enter');
    await page.locator('.toast.error', { hasText: 'There is no agent called “nobody”' }).waitFor();
    await page.getByLabel('Agent name').fill('bob');
    await page.getByLabel('Agent name').press('Enter');
    await thread.locator('[data-kind="assign"]', { hasText: 'assigned the ticket to bob' }).waitFor();
    await page.locator('[data-action="unassign"]').click();
    await thread.locator('[data-kind="assign"]', { hasText: 'unassigned the ticket' }).waitFor();

    // pending, then reopen
    await page.locator('[data-action="pending"]').click();
    await thread.locator('[data-kind="status"]', { hasText: 'Open → Pending' }).waitFor();
    await page.locator('.ticket-head .pill', { hasText: 'Pending' }).waitFor();
    await queueItem(page, ref).locator('.st', { hasText: 'Pending' }).waitFor();
    await page.locator('[data-action="reopen"]').click();
    await thread.locator('[data-kind="status"]', { hasText: 'Pending → Open' }).waitFor();

    // resolve with the resolution message (e)
    await page.locator('#ticket-title').click();
    await page.locator('body').press('e');
    assert.equal(await page.locator('.composer').getAttribute('class'), 'composer mode-resolution');
    await box.fill('The double charge was refunded. Sorry about that!');
    await box.press('Control+Enter');
    const res = await cu.next((f) => f.type === 'event' && f.event.kind === 'resolution');
    assert.equal(res.event.text, 'The double charge was refunded. Sorry about that!');
    const resolution = thread.locator('li.ev-resolution[data-kind="resolution"]', { hasText: 'The double charge was refunded' });
    await resolution.waitFor();
    assert.match(await resolution.textContent(), /Resolution/);
    await page.locator('.ticket-head .pill', { hasText: 'Resolved' }).waitFor();
    await queueItem(page, ref).waitFor({ state: 'detached' }); // out of the queue

    // reopen puts it back
    await page.locator('[data-action="reopen"]').click();
    await thread.locator('[data-kind="status"]', { hasText: 'Resolved → Open' }).waitFor();
    await queueItem(page, ref).waitFor();
    // every event exactly once, in id order
    const ids = await threadIds(page);
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i++) assert.ok(cmpId(ids[i - 1], ids[i]) < 0);
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');
    await noProblems(page);
  }));

  test('customer text with <script> and <img onerror> renders inert', withLogs(async () => {
    const { page } = await agentPage();
    const name = '<img src=x onerror="window.__pwned=1">Eve';
    const text = '<script>window.__pwned=2</script><img src=x onerror="window.__pwned=3"><b>bold?</b>';
    const { ref } = await newTicket(hilo, { name, text });
    await queueItem(page, ref).waitFor();
    await queueItem(page, ref).click();
    const msg = page.locator('.thread [data-kind="message"] .ev-text');
    await msg.waitFor();
    assert.equal(await msg.textContent(), text);
    assert.match(await queueItem(page, ref).textContent(), /<img src=x onerror="window.__pwned=1">Eve/);
    assert.match(await page.locator('.context').textContent(), /1 message/);
    assert.equal(await page.locator('#app img, #app script, #app b').count(), 0);
    await sleep(300);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await noProblems(page);
  }));

  test('settings: thresholds turn the waiting time amber then red; language and shortcuts', withLogs(async () => {
    const p = await newPage(browser);
    pages.push(p);
    const { page } = p;
    await clearQueue();
    // the thresholds are the team's, on the server (team-settings.test.mjs edits them as an admin)
    await redis.cli('HSET', 'hilo:team:settings', 'default', JSON.stringify({ thresholds: { amber_minutes: 2, red_minutes: 4 } }));
    await page.clock.install();
    await signIn(page, hilo.url, 'ana', pw.ana);
    const { ref } = await newTicket(hilo, { name: 'Clock Watcher', text: 'Anyone there?' });
    const { ref: ref2 } = await newTicket(hilo, { name: 'Second Customer', text: 'Hello?' });

    await page.locator('[data-action="settings"]').click();
    const dlg = page.getByRole('dialog', { name: 'Settings' });
    await dlg.getByLabel('Play a sound').uncheck();
    await dlg.getByRole('button', { name: 'Save' }).click();
    await dlg.waitFor({ state: 'detached' });

    await page.reload(); // still signed in, settings kept in localStorage
    await page.locator('[data-conn="online"]').waitFor();
    await page.locator('[data-action="settings"]').click();
    assert.equal(await dlg.getByLabel('Play a sound').isChecked(), false);
    assert.deepEqual(await unnamedControls(page), [], 'every control in the settings has an accessible name');
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });

    const item = queueItem(page, ref);
    await item.waitFor();
    assert.match(await item.getAttribute('class'), /wait-ok/);
    await page.clock.fastForward('02:30');
    await page.locator(`.qi.wait-amber[data-ref="${ref}"]`).waitFor();
    await page.clock.fastForward('02:00');
    await page.locator(`.qi.wait-red[data-ref="${ref}"]`).waitFor();
    await redis.cli('HDEL', 'hilo:team:settings', 'default');

    // keyboard: j / k walk the queue (longest waiting first), ? shows the help
    await page.locator('body').press('j');
    await page.locator(`.qi.active[data-ref="${ref}"]`).waitFor();
    await page.keyboard.press('j');
    await page.locator(`.qi.active[data-ref="${ref2}"]`).waitFor();
    await page.keyboard.press('k');
    await page.locator(`.qi.active[data-ref="${ref}"]`).waitFor();
    // focus follows the selection once the queue has re-rendered (a task later)
    await page.waitForFunction((r) => document.activeElement?.dataset.ref === r, ref);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Spanish
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: /Cola/ }).waitFor();
    await page.locator('[data-action="signout"]', { hasText: 'Cerrar sesión' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    await page.locator('[data-action="assign-me"]', { hasText: 'Asignarme' }).waitFor();
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await noProblems(page);
  }));

  test('session expiry goes back to sign-in with a message', withLogs(async () => {
    const short = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '2'] });
    const { context, page } = await newPage(browser);
    // Not signIn(): with a 2 s session a slow machine may never show "online"
    // before the session ends; what matters is where the console ends up.
    await submitSignIn(page, short.url, 'ana', pw.ana);
    await page.getByRole('alert').filter({ hasText: 'Your session has expired' }).waitFor({ timeout: 30000 });
    await page.getByLabel('Agent name').waitFor();
    await context.close();
    await short.stop();
  }));

  test('screenshots of the queue and a busy thread', withLogs(async () => {
    const p = await newPage(browser);
    pages.push(p);
    const { page } = p;
    await page.clock.install();
    await signIn(page, hilo.url, 'ana', pw.ana);
    await clearQueue(); // so the picture is about this test only
    const bob = await agent(hilo, 'bob', pw.bob);

    const a = await newTicket(hilo, { name: 'Lucía Fernández', locale: 'es', text: 'Hola, mi pedido 88123 no ha llegado y ya pasaron 10 días.' });
    await queueItem(page, a.ref).click();
    await page.locator('.thread [data-kind="ack"]').waitFor();
    await page.locator('[data-action="assign-me"]').click();
    await page.locator('body').press('n');
    const box = page.locator('#composer-text');
    await box.fill('Transportista confirma retraso en el centro de Zaragoza. Ofrecer reenvío.');
    await box.press('Control+Enter');
    await box.press('Escape'); // leave the composer, then r for a reply
    await page.keyboard.press('r');
    await box.fill('Hola Lucía, lo siento mucho. Ya hablé con el transportista: el paquete está retenido en Zaragoza. ¿Prefieres que lo reenviemos o un reembolso?');
    await box.press('Control+Enter');
    await a.cu.next((f) => f.type === 'event' && f.event.kind === 'reply');
    await say(a.cu, 'Prefiero el reenvío, pero lo necesito antes del viernes.');
    await say(a.cu, '¿Me podéis mandar el número de seguimiento nuevo?\n<script>alert(1)</script> (esto no debería ejecutarse)');
    await page.locator('.thread [data-kind="message"]', { hasText: 'seguimiento' }).waitFor();
    await sleep(1500);
    const b = await newTicket(hilo, { name: 'Tom Becker', text: 'The app logs me out every 5 minutes on Android.' });
    const c = await newTicket(hilo, { name: 'Amina Diallo', text: 'Can I change the delivery address of order 77120?' });
    await sleep(1500);
    const d = await newTicket(hilo, { name: 'Kenji Watanabe', text: 'Where do I find my invoices?' });
    assert.equal((await bob.request({ type: 'ticket.open', ticket: d.ref })).type, 'thread');
    bob.send({ type: 'reply', ticket: d.ref, client_id: cid(), text: 'Under Account → Billing.' });
    await bob.next('ack');
    const e = await newTicket(hilo, { name: 'Sofía Martín', locale: 'es', text: 'Necesito cambiar la talla de unas zapatillas.' });
    await bob.request({ type: 'status', ticket: e.ref, status: 'pending' });
    await bob.request({ type: 'assign', ticket: b.ref, agent: 'bob' });
    for (const x of [b, c, d, e]) await queueItem(page, x.ref).waitFor();

    // a waits > 15 min (red), b and c > 5 min (amber); d is answered, e pending
    const ws = (await bob.request({ type: 'queue.watch' })).tickets.find((t) => t.ref === a.ref).waiting_since;
    const pageNow = await page.evaluate(() => Date.now());
    await page.clock.fastForward(Math.max(0, ws + 15 * 60000 + 500 - pageNow));
    await page.locator(`.qi.wait-red[data-ref="${a.ref}"]`).waitFor();
    await page.locator(`.qi.wait-amber[data-ref="${c.ref}"]`).waitFor();
    a.cu.send({ type: 'typing', state: true });
    await page.locator('.typing-text', { hasText: 'is typing' }).waitFor();
    await page.locator('#composer-text').click();
    await page.locator('#composer-text').fill('Te paso el número en cuanto salga el reenvío.');
    const file1 = await screenshot(page, 'queue-and-busy-thread.png');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('Escape');
    await page.locator('[data-action="help"]').click();
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await screenshot(page, 'shortcuts.png');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await page.locator('[data-filter="assignee-unassigned"]').click();
    const file2 = await screenshot(page, 'queue-es-unassigned.png');
    const shown = () => page.locator('.qlist .qi').evaluateAll((els) => els.map((e) => e.dataset.ref).sort());
    assert.deepEqual(await shown(), [c.ref, d.ref, e.ref].sort());
    await page.locator('[data-filter="assignee-mine"]').click();
    assert.deepEqual(await shown(), [a.ref]);
    await page.locator('[data-filter="assignee-all"]').click();
    await page.getByLabel('Estado').selectOption('pending');
    assert.deepEqual(await shown(), [e.ref]);
    await page.getByLabel('Estado').selectOption('all');
    await page.getByLabel('Canal').selectOption('web');
    assert.equal((await shown()).length, 5);
    await page.getByLabel('Canal').selectOption('all');
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    assert.ok(existsSync(file1) && existsSync(file2));
    await bob.close();
    await noProblems(page);
  }));

  test('reconnects after the server restarts with no missed or duplicated events', withLogs(async () => {
    const h1 = await startHilo({ redisUrl: redis.url });
    const proxy = await startProxy(h1.port);
    try {
      const p = await newPage(browser);
      pages.push(p);
      const { page } = p;
      await signIn(page, proxy.url, 'ana', pw.ana);
      const { cu, ref } = await newTicket(h1, { name: 'Restart Customer', text: 'first message' });
      await queueItem(page, ref).click();
      await page.locator('.thread [data-kind="message"]', { hasText: 'first message' }).waitFor();
      await page.locator('.thread [data-kind="ack"]').waitFor();
      await page.locator('body').press('r');
      await page.locator('#composer-text').fill('reply before restart');
      await page.locator('#composer-text').press('Control+Enter');
      await page.locator('.thread [data-kind="reply"]', { hasText: 'reply before restart' }).waitFor();

      // the server goes away; a new process takes over on the same Redis
      proxy.pause();
      await h1.stop();
      await cu.closed;
      await page.locator('[data-conn="offline"]').waitFor({ timeout: 10000 });
      // a reply written while offline waits in the outbox
      await page.locator('#composer-text').fill('reply typed while offline');
      await page.locator('#composer-text').press('Control+Enter');
      await page.locator('.ev-pending', { hasText: 'will be sent when the connection is back' }).waitFor();
      const h2 = await startHilo({ redisUrl: redis.url });
      const cu2 = await customer(h2, { token: cu.token });
      await say(cu2, 'written while the console was away 1');
      await say(cu2, 'written while the console was away 2');
      const bob = await agent(h2, 'bob', pw.bob);
      bob.send({ type: 'note', ticket: ref, client_id: cid(), text: 'bob noted this while ana was offline' });
      await bob.next('ack');

      // the console comes back by itself
      proxy.setTarget(h2.port);
      proxy.resume();
      await page.locator('[data-conn="online"]').waitFor({ timeout: 20000 });
      const thread = page.locator('.thread');
      await thread.locator('[data-kind="note"]', { hasText: 'bob noted this' }).waitFor();
      await thread.locator('[data-kind="message"]', { hasText: 'away 2' }).waitFor();
      const offlineReply = (f) => f.type === 'event' && f.event.kind === 'reply' && f.event.text === 'reply typed while offline';
      await cu2.next(offlineReply, 10000);
      await page.locator('.ev-pending').waitFor({ state: 'detached' });
      await queueItem(page, ref).waitFor();

      // and still live afterwards
      await say(cu2, 'after the reconnect');
      await thread.locator('[data-kind="message"]', { hasText: 'after the reconnect' }).waitFor();
      await cu2.none(offlineReply, 300); // sent once

      const full = await bob.request({ type: 'ticket.open', ticket: ref });
      assert.equal(full.type, 'thread');
      const ids = await threadIds(page);
      assert.deepEqual(ids, full.events.map((ev) => ev.id), 'the console shows exactly the stored events, each once, in order');
      for (const txt of ['first message', 'reply before restart', 'away 1', 'away 2', 'bob noted this', 'reply typed while offline', 'after the reconnect']) {
        assert.equal(await thread.locator('.ev-text', { hasText: txt }).count(), 1, txt);
      }
      await bob.close();
      await noProblems(page);
    } finally {
      await proxy.close();
    }
  }));
});
