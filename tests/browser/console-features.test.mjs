// Browser tests of the console features built on docs/rest.md and
// docs/delivery.md: reports, search, agents admin, team filter and transfer,
// follow-ups, collision warning, the customer's other tickets, the reply
// channel selector and delivery states. Real Hilo + Redis, Debian Chromium.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  HILO_BIN, startRedis, startHilo, runHilo, addAgent, customer, agent, cleanup, withLogs, sleep,
} from '../lib/harness.mjs';
import {
  launchBrowser, newPage, signIn, screenshot, queueItem, unnamedControls, waitUntil, CHROMIUM,
  suiteTimeout,
} from './lib/console-helpers.mjs';

// scripts/setup --test installs both: a missing one is a broken setup, and
// that must fail, never skip (a skipped test cannot fail)
if (!existsSync(HILO_BIN)) throw new Error(`no hilo binary at ${HILO_BIN}`);
if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
const skip = false;

const fmtRef = (ref) => String(ref).replace(/(\d{4})(?=\d)/g, '$1 ');

// Runs `start` in the page (a click or a submit), then types `text` into the
// input `sel` as soon as the console has rendered (its microtask) but before
// Preact's after-paint effects run, waits for two frames, and returns the
// input's value. A fast typist on a slow machine does exactly this; an effect
// that copies props into state would overwrite what was typed.
async function typeBeforeEffects(page, start, sel, text) {
  return page.evaluate(async ({ start, sel, text }) => {
    if (start.click) document.querySelector(start.click).click();
    if (start.submit) document.querySelector(start.submit).requestSubmit();
    for (let i = 0; i < 5; i++) await null; // the render, not the effects
    const el = document.querySelector(sel);
    if (!el) throw new Error(`${sel} not rendered`);
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150))));
    return document.querySelector(sel)?.value;
  }, { start, sel, text });
}
let seq = 0;
const cid = () => `f-${Date.now()}-${++seq}`;

async function say(cu, text) {
  const id = cid();
  cu.send({ type: 'message', client_id: id, text });
  return cu.next((f) => f.type === 'ack' && f.client_id === id);
}

/** A customer who writes one message; resolves with {cu, ref}. */
async function newTicket(hilo, opts) {
  const { text, ...hello } = opts;
  const cu = await customer(hilo, { locale: 'en', ...hello });
  const ack = await say(cu, text);
  return { cu, ref: ack.ticket };
}

describe('agent console: reports, search, admin, teams, follow-ups, collisions, delivery', { skip, timeout: suiteTimeout(150000) }, () => {
  let redis;
  let hilo;
  let browser;
  const pw = {};

  before(async () => {
    redis = await startRedis();
    hilo = await startHilo({ redisUrl: redis.url, args: ['--session-ttl', '3600'] });
    pw.root = await addAgent(hilo, 'root', { display: 'Rosa Admin', admin: true });
    pw.ana = await addAgent(hilo, 'ana', { display: 'Ana' });
    pw.bob = await addAgent(hilo, 'bob', { display: 'Bob' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await cleanup();
  });

  async function pageAs(name, opts = {}) {
    const p = await newPage(browser, opts);
    await signIn(p.page, hilo.url, name, pw[name]);
    return p;
  }

  async function noProblems(page) {
    assert.deepEqual(await page.problems(), [], 'no page errors or CSP violations');
  }

  test('reports: period picker, medians and p90, uPlot charts (screenshot)', withLogs(async () => {
    const bob = await agent(hilo, 'bob', pw.bob);
    // a few tickets: answered, resolved, one still waiting
    for (let i = 0; i < 3; i++) {
      const { ref } = await newTicket(hilo, { name: `Report ${i}`, text: `report ticket ${i}` });
      bob.send({ type: 'reply', ticket: ref, client_id: cid(), text: 'on it' });
      await bob.next('ack');
      if (i < 2) {
        bob.send({ type: 'resolve', ticket: ref, client_id: cid(), text: 'done' });
        await bob.next('ack');
      }
    }
    await newTicket(hilo, { name: 'Report waiting', text: 'nobody answered me yet' });
    await bob.close();
    const api = await (await fetch(`${hilo.url}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'root', password: pw.root }),
    })).headers.get('set-cookie').split(';')[0];
    const rep = await (await fetch(`${hilo.url}/api/v1/reports`, { headers: { cookie: api } })).json();

    const { context, page } = await pageAs('root');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 2 }).waitFor();
    assert.match(page.url(), /#reports$/);
    const tickets = page.locator('[data-stat="tickets"] .big-num');
    await tickets.waitFor();
    assert.equal(Number(await tickets.textContent()), rep.tickets);
    assert.ok(rep.tickets >= 4);
    const fr = page.locator('[data-stat="first-response"]');
    assert.match(await fr.locator('[data-value="median"]').textContent(), /^(< 1 s|\d+ (s|min))$/);
    assert.match(await fr.locator('[data-value="p90"]').textContent(), /^p90 (< 1 s|\d+ (s|min))$/);
    assert.match(await fr.textContent(), /over 3 tickets/);
    assert.match(await page.locator('[data-stat="resolution"]').textContent(), /over 2 tickets/);
    // three uPlot charts, each with a data table
    for (const id of ['chart-daily', 'chart-channels', 'chart-switches']) {
      await page.locator(`#${id} .uplot canvas`).waitFor();
      const box = await page.locator(`#${id} .uplot`).boundingBox();
      assert.ok(box.width > 250 && box.height > 150, `${id} is drawn (${box.width}x${box.height})`);
    }
    assert.match(await page.locator('#chart-channels [role="img"]').getAttribute('aria-label'), /Web 4/);
    // the legends show values with the cursor off the chart: each series' total
    const legend = page.locator('#chart-daily .u-legend');
    assert.equal((await legend.locator('tr.u-series').nth(0).locator('.u-value').textContent()).trim(), 'Total');
    assert.equal((await legend.locator('tr.u-series').nth(1).locator('.u-value').textContent()).trim(), String(rep.tickets));
    assert.equal((await legend.locator('tr.u-series').nth(2).locator('.u-value').textContent()).trim(), '2');
    await page.locator('#chart-switches summary').click();
    assert.deepEqual(await page.locator('#chart-switches .chart-data tbody th').allTextContents(), ['0', '1', '2', '3+']);
    // today's bar in the daily table
    const today = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    await page.locator('#chart-daily summary').click();
    const row = page.locator('#chart-daily .chart-data tbody tr', { has: page.locator('th', { hasText: new RegExp(`^${today}$`) }) });
    assert.deepEqual(await row.locator('td').allTextContents(), [String(rep.tickets), '2']);
    assert.equal(await page.locator('#chart-daily .chart-data tbody tr').count(), 7); // every day, even empty ones
    await page.locator('#chart-switches summary').click();
    await page.locator('#chart-daily summary').click();
    const shot = await screenshot(page, 'reports.png');
    assert.ok(existsSync(shot));

    // periods: 30 days, custom (bad, then good)
    await page.locator('[data-period="30d"]').click();
    await page.locator('#chart-daily[aria-labelledby]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#chart-daily .chart-data tbody tr').length === 30);
    await page.locator('[data-period="custom"]').click();
    await page.getByLabel('From', { exact: true }).fill('2026-01-10');
    await page.getByLabel('To', { exact: true }).fill('2026-01-05');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose a valid period' }).waitFor();
    await page.getByLabel('To', { exact: true }).fill('2026-01-12');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('.range-text', { hasText: /10 Jan 2026 – 12 Jan 2026/ }).waitFor();
    await page.locator('[data-stat="tickets"] .big-num', { hasText: /^0$/ }).waitFor();
    assert.equal(await page.locator('[data-stat="first-response"] [data-value="median"]').textContent(), '—');
    // Spanish
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await page.locator('[data-period="7d"]').click();
    await page.getByRole('heading', { name: 'Informes' }).waitFor();
    await page.locator('[data-stat="first-response"]', { hasText: 'Primera respuesta' }).waitFor();
    await screenshot(page, 'reports-es.png');
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    assert.deepEqual(await unnamedControls(page), []);
    await noProblems(page);
    await context.close();
  }));

  test('search by reference, email and text; a result opens the ticket', withLogs(async () => {
    const bob = await agent(hilo, 'bob', pw.bob);
    const a = await newTicket(hilo, { name: 'Search Sara', email: 'sara@example.org', text: 'The blue kettle leaks from the bottom' });
    await bob.request({ type: 'status', ticket: a.ref, status: 'closed' }); // not in the queue any more
    const b = await newTicket(hilo, { name: 'Other Oscar', text: 'Where is my parcel?' });
    await bob.close();

    const { context, page } = await pageAs('ana');
    const box = page.getByRole('searchbox', { name: 'Search tickets' });
    await page.locator('body').press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-q');
    // by reference with a space
    await box.fill(fmtRef(a.ref));
    await box.press('Enter');
    await page.getByRole('heading', { name: 'Search', level: 2 }).waitFor();
    await page.locator('[data-search-status]', { hasText: '1 ticket for' }).waitFor();
    assert.deepEqual(await page.locator('.results .result').evaluateAll((els) => els.map((e) => e.dataset.ref)), [a.ref]);
    // by email
    await box.fill('sara@example.org');
    await box.press('Enter');
    await page.locator(`.results .result[data-ref="${a.ref}"]`).waitFor();
    // by text (case-insensitive)
    await box.fill('BLUE KETTLE');
    await box.press('Enter');
    await page.locator(`.results .result[data-ref="${a.ref}"]`).waitFor();
    assert.equal(await page.locator(`.results .result[data-ref="${b.ref}"]`).count(), 0);
    // nothing found, too short
    await box.fill('zzqx-no-such-text');
    await box.press('Enter');
    await page.locator('[data-search-status]', { hasText: 'No tickets found' }).waitFor();
    await box.fill('x');
    await box.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'at least 2 characters' }).waitFor();
    // typing on right after Enter is kept (no effect copies the query back)
    await box.fill('kettl');
    assert.equal(await typeBeforeEffects(page, { submit: 'form.searchbox' }, '#search-q', 'kettle lid'), 'kettle lid',
      'what was typed right after Enter was overwritten by the submitted query');
    await page.locator('[data-search-status]', { hasText: 'kettl' }).waitFor();
    assert.equal(await box.inputValue(), 'kettle lid');
    // open a closed ticket from the results
    await box.fill('kettle');
    await box.press('Enter');
    await page.locator(`.results .result[data-ref="${a.ref}"]`).click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'The blue kettle leaks' }).waitFor();
    await page.locator('.ticket-head .pill', { hasText: 'Closed' }).waitFor();
    assert.match(page.url(), /#queue$/);
    // back goes to the results
    await page.goBack();
    await page.locator(`.results .result[data-ref="${a.ref}"]`).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    await noProblems(page);
    await context.close();
  }));

  test('admin: list, create (password once, copy), edit, reset password, delete; hidden from agents', withLogs(async (t) => {
    // Later tests expect exactly ana, bob and root: if this test fails half
    // way, its agent must not make them fail too.
    t.after(async () => {
      const left = await runHilo(['agent', 'list', '--redis-url', redis.url]);
      if (/^carla\b/m.test(left.stdout)) await runHilo(['agent', 'remove', 'carla', '--redis-url', redis.url]);
    });
    // a plain agent has no admin entry, and #admin falls back to the queue
    const plain = await pageAs('ana');
    assert.equal(await plain.page.locator('[data-nav="admin"]').count(), 0);
    await plain.page.goto(`${hilo.url}/console/#admin`);
    await plain.page.locator('[data-conn="online"]').waitFor();
    await plain.page.locator('.queue').waitFor();
    assert.equal(await plain.page.getByRole('heading', { name: 'Agents and teams' }).count(), 0);
    await plain.context.close();

    const { context, page } = await pageAs('root');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hilo.url });
    await page.locator('[data-nav="admin"]').click();
    await page.getByRole('heading', { name: 'Agents and teams' }).waitFor();
    const rows = () => page.locator('table.agents tbody tr').evaluateAll((els) => els.map((e) => e.dataset.agent));
    await page.locator('tr[data-agent="bob"]').waitFor();
    assert.deepEqual(await rows(), ['ana', 'bob', 'root']);
    assert.equal(await page.locator('tr[data-agent="root"] [data-action="delete"]').isDisabled(), true); // not yourself

    // bad name, then create
    await page.getByLabel('Login name').fill('Carla Bad');
    await page.locator('[data-action="create-agent"]').click();
    await page.getByRole('alert').filter({ hasText: 'may only use' }).waitFor();
    await page.getByLabel('Login name').fill('carla');
    await page.getByLabel('Display name').fill('Carla Ruiz');
    await page.locator('#new-role').selectOption('agent');
    await page.locator('#new-team').fill('billing');
    await page.locator('[data-action="create-agent"]').click();
    const once = page.locator('.pw-once[data-password-for="carla"]');
    await once.waitFor();
    const password = await page.locator('#pw-once-value').inputValue();
    assert.match(password, /^\S{12,}$/);
    assert.match(await once.textContent(), /shown only once/);
    await page.locator('[data-action="copy-password"]').click();
    await once.locator('[role="status"]', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), password);
    await page.locator('tr[data-agent="carla"]', { hasText: 'billing' }).waitFor();
    // the password works
    const login = await agent(hilo, 'carla', password);
    assert.equal(login.session.agent.display, 'Carla Ruiz');
    await login.close();
    await screenshot(page, 'admin.png');
    await once.getByRole('button', { name: 'Done' }).click();
    await once.waitFor({ state: 'detached' });
    // creating it again says it exists
    await page.getByLabel('Login name').fill('carla');
    await page.locator('[data-action="create-agent"]').click();
    await page.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    await page.getByLabel('Login name').fill('');

    // edit display, role and team; typing at once is kept (no effect resets it)
    const typed = await typeBeforeEffects(page, { click: 'tr[data-agent="carla"] [data-action="edit"]' },
      'tr.editing[data-agent="carla"] input[aria-label="Display name (carla)"]', 'Carla R.');
    assert.equal(typed, 'Carla R.', 'the display name typed right after Edit was overwritten');
    assert.equal(await page.getByLabel('Display name (carla)').inputValue(), 'Carla R.');
    await page.getByLabel('Role (carla)').selectOption('admin');
    await page.getByLabel('Team (carla)').fill('support');
    await page.locator('[data-action="save-agent"]').click();
    const row = page.locator('tr[data-agent="carla"]:not(.editing)');
    await row.filter({ hasText: 'support' }).waitFor();
    assert.match(await row.textContent(), /Carla R\.\s*Administrator\s*support/);

    // reset password: confirm, a new password is shown, the old one stops working
    await page.getByRole('button', { name: 'Reset password of carla' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Reset the password of carla?' });
    await confirm.waitFor();
    await confirm.locator('[data-action="confirm"]').click();
    await page.locator('.pw-once[data-password-for="carla"]').waitFor();
    const pw2 = await page.locator('#pw-once-value').inputValue();
    assert.notEqual(pw2, password);
    await assert.rejects(agent(hilo, 'carla', password));
    await (await agent(hilo, 'carla', pw2)).close();

    // delete: cancel first, then confirm
    await page.getByRole('button', { name: 'Delete carla' }).click();
    const del = page.getByRole('alertdialog', { name: 'Delete agent carla?' });
    await del.waitFor();
    await page.keyboard.press('Escape');
    await del.waitFor({ state: 'detached' });
    assert.ok((await rows()).includes('carla'));
    await page.getByRole('button', { name: 'Delete carla' }).click();
    await del.locator('[data-action="confirm"]').click();
    await page.locator('tr[data-agent="carla"]').waitFor({ state: 'detached' });
    await assert.rejects(agent(hilo, 'carla', pw2));
    assert.deepEqual(await unnamedControls(page), []);
    await noProblems(page);
    await context.close();
  }));

  test('queue: team filter, assign with a team, transfer with a note', withLogs(async () => {
    const rootWs = await agent(hilo, 'root', pw.root);
    const { context, page } = await pageAs('ana');
    const a = await newTicket(hilo, { name: 'Team Tina', text: 'refund please' });
    const b = await newTicket(hilo, { name: 'Team Tomás', text: 'password reset please' });
    await rootWs.request({ type: 'assign', ticket: b.ref, agent: 'bob', team: 'tech' });
    await queueItem(page, b.ref).locator('.qteam', { hasText: 'tech' }).waitFor();

    // team filter (teams from the summaries)
    const filter = page.getByLabel('Team', { exact: true });
    await filter.selectOption('tech');
    await queueItem(page, a.ref).waitFor({ state: 'detached' });
    await queueItem(page, b.ref).waitFor();
    await filter.selectOption('none');
    await queueItem(page, b.ref).waitFor({ state: 'detached' });
    await queueItem(page, a.ref).waitFor();
    await filter.selectOption('all');

    // assign picker: agent list + team
    await queueItem(page, a.ref).click();
    await page.locator('.thread [data-kind="message"]').waitFor();
    await page.locator('[data-action="more"]').click(); // behind "More ▾" (#13)
    await page.locator('[data-action="assign-to"]').click();
    assert.deepEqual(await page.locator('#agent-options option').evaluateAll((els) => els.map((e) => e.value)), ['ana', 'bob', 'root']);
    assert.match(await page.locator('#agent-options option[value="bob"]').getAttribute('label'), /^Bob$/);
    await page.getByLabel('Agent name').fill('bob');
    await page.locator('#assign-team').selectOption('tech');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.locator('.thread [data-kind="assign"]', { hasText: 'assigned the ticket to bob (tech)' }).waitFor();
    await page.locator('.ticket-head .team', { hasText: 'Team tech' }).waitFor();

    // transfer with a note: the note first, then the assignment
    await page.locator('[data-action="more"]').click(); // behind "More ▾" (#13)
    await page.locator('[data-action="transfer"]').click();
    const dlg = page.getByRole('dialog', { name: /Transfer ticket/ });
    await dlg.waitFor();
    await dlg.locator('[data-action="transfer-go"]').click();
    await dlg.getByRole('alert').filter({ hasText: 'Choose an agent or a team' }).waitFor();
    await dlg.getByLabel('Agent', { exact: true }).selectOption('root');
    await dlg.getByLabel('Team', { exact: true }).selectOption('tech');
    await dlg.locator('[data-action="transfer-go"]').click();
    await dlg.getByRole('alert').filter({ hasText: 'Write a note' }).waitFor();
    await dlg.getByLabel(/Note for the next agent/).fill('Refund approved by finance, just confirm with the customer.');
    await dlg.locator('[data-action="transfer-go"]').click();
    await dlg.waitFor({ state: 'detached' });
    const note = page.locator('.thread [data-kind="note"]', { hasText: 'Refund approved by finance' });
    await note.waitFor();
    const assignEv = page.locator('.thread [data-kind="assign"]', { hasText: 'assigned the ticket to Rosa Admin (tech)' });
    await assignEv.waitFor();
    const order = await page.locator('.thread .events > li[data-id]').evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.deepEqual(order.slice(-2), ['note', 'assign']);
    await queueItem(page, a.ref).locator('.who', { hasText: 'Rosa Admin' }).waitFor();
    await a.cu.none((f) => f.type === 'event' && f.event.kind === 'note', 300);
    await rootWs.close();
    assert.deepEqual(await unnamedControls(page), []);
    await noProblems(page);
    await context.close();
  }));

  test('pending with a follow-up time, and "Follow-up due" when it passes', withLogs(async () => {
    const { context, page } = await pageAs('ana');
    const { ref } = await newTicket(hilo, { name: 'Follow Fiona', text: 'I will send the photos tomorrow' });
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]').waitFor();
    await page.locator('[data-action="more"]').click(); // behind "More ▾" (#13)
    await page.locator('[data-action="pending-until"]').click();
    const dlg = page.getByRole('dialog', { name: 'Set pending with a follow-up' });
    await dlg.waitFor();
    // a time in the past is refused
    await dlg.getByLabel('Follow up on').fill('2020-01-01T10:00');
    await dlg.locator('[data-action="followup-go"]').click();
    await dlg.getByRole('alert').filter({ hasText: 'in the future' }).waitFor();
    await dlg.getByRole('button', { name: 'Tomorrow 9:00' }).click();
    const want = new Date();
    want.setDate(want.getDate() + 1);
    want.setHours(9, 0, 0, 0);
    await dlg.locator('[data-action="followup-go"]').click();
    await dlg.waitFor({ state: 'detached' });
    await page.locator('.ticket-head .pill', { hasText: 'Pending' }).waitFor();
    const head = page.locator('.ticket-head .followup');
    await head.waitFor();
    assert.equal(Number(await head.getAttribute('data-follow-up')), want.getTime());
    assert.match(await head.textContent(), /Follow-up .*09:00/);
    await queueItem(page, ref).locator('.qi-fu', { hasText: /Follow-up .*09:00/ }).waitFor();

    // bob sets a follow-up 1.5 s ahead: Hilo reopens the ticket with reason follow_up
    const bob = await agent(hilo, 'bob', pw.bob);
    await bob.request({ type: 'status', ticket: ref, status: 'pending', follow_up_at: Date.now() + 1500 });
    const due = page.locator('.thread li[data-kind="status"][data-reason="follow_up"]');
    await due.waitFor({ timeout: 10000 });
    assert.match(await due.textContent(), /Follow-up due/);
    assert.match(await due.textContent(), /Pending → Open/);
    await page.locator('.ticket-head .pill', { hasText: 'Open' }).waitFor();
    await page.locator('.ticket-head .followup').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await due.filter({ hasText: 'Seguimiento vencido' }).waitFor();
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await bob.close();
    await noProblems(page);
    await context.close();
  }));

  test('collision warning: who else views the ticket and who else is typing', withLogs(async () => {
    const { cu, ref } = await newTicket(hilo, { name: 'Collision Carl', text: 'hello?' });
    const bob = await agent(hilo, 'bob', pw.bob);
    await bob.request({ type: 'ticket.open', ticket: ref }); // bob was there first
    const { context, page } = await pageAs('ana');
    await queueItem(page, ref).click();
    const bar = page.locator('[data-collision]');
    await bar.locator('.viewers', { hasText: 'Also viewing: Bob' }).waitFor();
    // root opens it too (live presence frame)
    const root = await agent(hilo, 'root', pw.root);
    await root.request({ type: 'ticket.open', ticket: ref });
    await bar.locator('.viewers', { hasText: 'Also viewing: Bob, Rosa Admin' }).waitFor();
    // bob types a reply
    bob.send({ type: 'typing', ticket: ref, state: true });
    await bar.locator('.agents-typing', { hasText: 'Bob typing a reply' }).waitFor();
    assert.equal(await page.locator('.typing-text').textContent(), ''); // the customer line stays for the customer
    cu.send({ type: 'typing', state: true });
    await page.locator('.typing-text', { hasText: 'Collision Carl is typing' }).waitFor();
    bob.send({ type: 'typing', ticket: ref, state: false });
    await bar.locator('.agents-typing').waitFor({ state: 'detached' });
    // bob leaves, root disconnects
    await bob.request({ type: 'ticket.close', ticket: ref });
    await bar.locator('.viewers', { hasText: /^👁 Also viewing: Rosa Admin$/ }).waitFor();
    await root.close();
    await bar.locator('.viewers').waitFor({ state: 'detached' });
    assert.doesNotMatch(await bar.getAttribute('class'), /\bon\b/);
    await bob.close();
    await noProblems(page);
    await context.close();
  }));

  test('context card: the customer\'s other tickets, clickable', withLogs(async () => {
    const bob = await agent(hilo, 'bob', pw.bob);
    const first = await newTicket(hilo, { name: 'Repeat Rita', email: 'rita@example.org', text: 'first problem: broken lid' });
    await bob.request({ type: 'status', ticket: first.ref, status: 'closed' });
    const ack = await say(first.cu, 'second problem: missing screws'); // closed -> a new ticket
    const second = ack.ticket;
    assert.notEqual(second, first.ref);
    await bob.close();

    const { context, page } = await pageAs('ana');
    await queueItem(page, second).click();
    const others = page.locator('.context .others');
    await others.waitFor();
    const btn = others.locator(`.other[data-ref="${first.ref}"]`);
    assert.match(await btn.textContent(), new RegExp(fmtRef(first.ref)));
    assert.match(await btn.textContent(), /Closed/);
    assert.match(await btn.textContent(), /first problem: broken lid/);
    assert.match(await page.locator('.context .facts').textContent(), /rita@example\.org/);
    await btn.click();
    await page.locator('.thread [data-kind="message"]', { hasText: 'first problem: broken lid' }).waitFor();
    await page.locator(`.context .other[data-ref="${second}"]`).waitFor();
    await noProblems(page);
    await context.close();
  }));

  test('composer channel selector sends `channel`; delivery states render and update live; Retry sends delivery.retry', withLogs(async () => {
    const { context, page } = await newPage(browser);
    // Watch (and add to) the console's WebSocket traffic with the real server behind it.
    const sent = [];
    let toPage = null;
    await page.routeWebSocket(/\/ws$/, (ws) => {
      const server = ws.connectToServer();
      toPage = (obj) => ws.send(JSON.stringify(obj));
      ws.onMessage((m) => {
        try { sent.push(JSON.parse(m)); } catch { /* not JSON */ }
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
    });
    await signIn(page, hilo.url, 'ana', pw.ana);
    const { cu, ref } = await newTicket(hilo, { name: 'Delivery Dora', text: 'hi there' });
    await queueItem(page, ref).click();
    await page.locator('.thread [data-kind="message"]').waitFor();

    // web-only thread: the selector lists Automatic (routed at send time,
    // docs/continuity.md) and Web
    const sel = page.getByLabel('Goes out on');
    assert.deepEqual(await sel.locator('option').evaluateAll((els) => els.map((e) => e.value)), ['auto', 'web']);
    await sel.selectOption('web');
    await page.locator('#composer-text').fill('Replying on the web');
    await page.locator('#composer-text').press('Control+Enter');
    const reply = (await cu.next((f) => f.type === 'event' && f.event.kind === 'reply')).event;
    const frame = sent.find((f) => f.type === 'reply' && f.text === 'Replying on the web');
    assert.equal(frame.channel, 'web');
    const li = page.locator(`.thread li[data-id="${reply.id}"]`);
    await li.waitFor();
    assert.equal(await li.locator('[data-delivery]').count(), 0); // web replies need no delivery
    // where it went and why (docs/continuity.md "Routing at send time")
    assert.match(await li.locator('[data-route="pinned"]').textContent(), /Web · pinned by the agent/);

    // A thread whose customer also wrote on WhatsApp and by email offers those
    // channels (the thread frame is the server's, with two events added).
    const base = { ticket: ref, author: { role: 'customer', id: 'x', name: 'Delivery Dora' } };
    toPage({ type: 'event', event: { ...base, id: `${Date.now() + 1000}-0`, kind: 'message', channel: 'whatsapp', text: 'from whatsapp', ts: Date.now() } });
    toPage({ type: 'event', event: { ...base, id: `${Date.now() + 1000}-1`, kind: 'message', channel: 'email', text: 'by email', ts: Date.now() } });
    await page.locator('.thread [data-kind="message"]', { hasText: 'by email' }).waitFor();
    assert.deepEqual(await sel.locator('option').evaluateAll((els) => els.map((e) => e.textContent)), ['Automatic', 'Web', 'WhatsApp', 'Email']);
    await sel.selectOption('whatsapp');
    await page.locator('#composer-text').fill('Replying on WhatsApp');
    await page.locator('#composer-text').press('Control+Enter');
    const sentReply = await waitUntil(() => sent.find((f) => f.type === 'reply' && f.text === 'Replying on WhatsApp'), 'the reply frame');
    assert.equal(sentReply.channel, 'whatsapp');
    // without WhatsApp set up, Hilo refuses it: said so, and the text comes back
    await page.locator('.toast.error', { hasText: 'cannot send this on WhatsApp' }).waitFor();
    await page.waitForFunction(() => document.getElementById('composer-text')?.value === 'Replying on WhatsApp');
    await page.locator('#composer-text').fill('');

    // Delivery frames (docs/delivery.md) update the reply live.
    const dl = (status, extra = {}) => ({
      type: 'delivery', ticket: ref, event_id: reply.id, channel: 'whatsapp', status, provider_id: 'wamid.X', error: '', attempts: 1, to: '+16505551234', ...extra,
    });
    const state = li.locator('[data-delivery]');
    toPage(dl('queued', { attempts: 1, error: 'HTTP 503' }));
    await li.locator('[data-delivery="queued"]', { hasText: 'Queued' }).waitFor();
    assert.match(await state.textContent(), /attempt 2 · last error: HTTP 503/);
    toPage(dl('sent'));
    await li.locator('[data-delivery="sent"]', { hasText: 'Sent' }).waitFor();
    toPage(dl('read'));
    await li.locator('[data-delivery="read"]', { hasText: 'Read' }).waitFor();
    toPage(dl('delivered')); // late: never backwards
    await sleep(200);
    assert.equal(await state.getAttribute('data-delivery'), 'read');
    toPage(dl('failed', { error: '131047 Re-engagement message: more than 24 hours since the customer last replied' }));
    await li.locator('[data-delivery="failed"]', { hasText: 'Failed: 131047 Re-engagement message' }).waitFor();
    assert.equal(await li.locator('.dl-icon').textContent(), '⚠');
    await screenshot(page, 'delivery-failed.png');
    await li.getByRole('button', { name: 'Retry sending this message' }).click();
    const retry = await waitUntil(() => sent.find((f) => f.type === 'delivery.retry'), 'the delivery.retry frame');
    assert.deepEqual({ ticket: retry.ticket, event_id: retry.event_id }, { ticket: ref, event_id: reply.id });
    // Hilo's answer (ok, or an error while delivery is not implemented) shows as a toast
    // Hilo answers: ok, or (this reply has no failed delivery on the server) a refusal
    await page.locator('.toast').filter({ hasText: /Sending again|only a failed delivery|does not support/ }).waitFor();
    toPage(dl('queued', { attempts: 0 }));
    await li.locator('[data-delivery="queued"]').waitFor();
    // an event that carries its delivery (as in thread frames)
    toPage({ type: 'event', event: {
      id: `${Date.now() + 2000}-0`, ticket: ref, kind: 'resolution', channel: 'email', text: 'Resolved by email', ts: Date.now(),
      author: { role: 'agent', id: 'ana', name: 'Ana' }, delivery: { channel: 'email', status: 'delivered', attempts: 1, error: '', to: 'dora@example.org' },
    } });
    const res = page.locator('.thread li[data-kind="resolution"]', { hasText: 'Resolved by email' });
    await res.locator('[data-delivery="delivered"]', { hasText: 'Delivered' }).waitFor();
    assert.match(await res.locator('[data-delivery]').textContent(), /to dora@example\.org/);
    await noProblems(page);
    await context.close();
  }));
});
