// Browser tests of the business hours in the widget's header (issue #13):
// before writing, a new visitor sees whether the team is open and when it
// answers, in English and Spanish (the acknowledgement's words), with the
// business zone and the customer's own time when their clock differs; the
// line stays while chatting; it flips at the boundary Hilo announced.
// Schedules are open or closed whatever the wall-clock hour. Debian's
// Chromium via playwright-core against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/widget-hours.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHilo, advanceClock, withLogs } from '../lib/harness.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages, widgetHiloOpts } from './lib/widget-page.mjs';

const DAY = 86400000;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ES = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];
// The weekday three days from now (UTC): closed now whatever the hour, and
// (in Madrid too) at least two local days ahead, so named by its weekday.
const wd = (new Date().getUTCDay() + 3) % 7;

const env = {};
const { hostPage: pageOn, newPage, openWidget } = widgetPages(env, {
  prefix: 'hours',
  locators: { hours: '.head [data-part="hours"]', hoursText: '.head [data-part="hours-text"]' },
});
const hostPage = (hilo, attrs = {}) => pageOn(attrs, hilo);

const hiloOpts = (args) => widgetHiloOpts(env, args);
const storedVisitor = (page) => page.evaluate(() => Object.keys(localStorage).some((k) => k.endsWith(':visitor')));

before(() => startWidgetEnv(env, { webPrefix: 'hilo-widget-hours-web-', hiloArgs: null }));

after(() => stopWidgetEnv(env));

test('closed: the next opening before writing, in English and Spanish; the zone when the customer\'s differs', withLogs(async () => {
  const hilo = await startHilo(hiloOpts(['--sla-timezone', 'Europe/Madrid', '--sla-hours', `${DAYS[wd]} 09:00-10:00`]));

  // English, a customer in Madrid: the acknowledgement's words as they are
  let page = await newPage({ timezoneId: 'Europe/Madrid' });
  let w = await openWidget(page, hostPage(hilo, { lang: 'en' }));
  await w.hours.waitFor({ timeout: T });
  assert.equal(await w.hoursText.textContent(), `We're closed now; we'll answer ${EN[wd]} from 9:00.`);
  assert.equal(await w.hours.getAttribute('data-state'), 'closed');
  // read with the dialog, not announced as a live region
  assert.equal(await w.panel.getAttribute('aria-describedby'), await w.hours.getAttribute('id'));
  assert.equal(await w.hours.getAttribute('role'), null);
  assert.equal(await w.hours.getAttribute('aria-live'), null);
  assert.equal(await storedVisitor(page), false, 'a look at the hours keeps no visitor');
  // while chatting it stays, and the acknowledgement agrees with it
  await w.input.fill('Where is my parcel?');
  await w.input.press('Enter');
  await w.ack.first().waitFor({ timeout: T });
  assert.match(await w.ack.first().textContent(), new RegExp(`we'll answer ${EN[wd]} from 9:00`));
  assert.equal(await w.hoursText.textContent(), `We're closed now; we'll answer ${EN[wd]} from 9:00.`);
  assert.equal(await storedVisitor(page), true, 'writing keeps the visitor');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // Spanish, a customer in Mexico City: Madrid's time, then theirs
  page = await newPage({ locale: 'es-MX', timezoneId: 'America/Mexico_City' });
  w = await openWidget(page, hostPage(hilo));
  await w.hours.waitFor({ timeout: T });
  const es = await w.hoursText.textContent();
  assert.match(es, new RegExp(`^Ahora estamos cerrados; te responderemos el ${ES[wd]} a partir de las 9:00 \\(hora de Madrid; .+ en tu hora\\)\\.$`), es);
  // Madrid 9:00 is 1:00 or 2:00 in Mexico City, the same weekday
  assert.match(es, new RegExp(`\\(hora de Madrid; ${ES[wd]},? 0?[12]:00 en tu hora\\)`), es);
  assert.deepEqual(page.errors, []);
  await page.context().close();
}));

test('24x7: open, the usual reply time, never a closed text', withLogs(async () => {
  const hilo = await startHilo(hiloOpts(['--sla-hours', '24x7']));
  for (const [lang, want] of [['en', 'We usually reply within about 15 minutes.'], ['es', 'Solemos responder en unos 15 minutos.']]) {
    const page = await newPage({ timezoneId: 'Asia/Tokyo' });
    const w = await openWidget(page, hostPage(hilo, { lang }));
    await w.hours.waitFor({ timeout: T });
    assert.equal(await w.hoursText.textContent(), want);
    assert.equal(await w.hours.getAttribute('data-state'), 'open');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
}));

test('the line flips to closed at the boundary Hilo gave, without polling', withLogs(async () => {
  // every day but weekday wd, all day (UTC): open now, closed all of day wd
  const days = DAYS.filter((_, i) => i !== wd).join(',');
  const hilo = await startHilo(hiloOpts(['--test-clock', '1', '--sla-timezone', 'UTC', '--sla-hours', `${days} 00:00-24:00`]));
  const page = await newPage({ timezoneId: 'UTC' });
  await page.clock.install();
  const asks = []; const hellos = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    if (/"type":"hours"/.test(String(f.payload))) asks.push(f.payload);
    if (/"type":"hello"/.test(String(f.payload))) hellos.push(f.payload);
  }));
  const w = await openWidget(page, hostPage(hilo, { lang: 'en' }));
  await w.hours.waitFor({ timeout: T });
  assert.equal(await w.hoursText.textContent(), 'We usually reply within about 15 minutes.');
  // an hour later nothing has been asked
  await page.clock.fastForward(3600000);
  await page.waitForTimeout(300);
  assert.equal(asks.length, 0, 'no polling');
  // Hilo's clock past the closing at the start of day wd, then the browser's
  const now = Date.now();
  const close = Math.floor(now / DAY) * DAY + 3 * DAY;
  await advanceClock(hilo, close - now + 60000);
  for (let i = 0; i < 4 && await w.hours.getAttribute('data-state') !== 'closed'; i++) {
    await page.clock.fastForward(DAY);
    await page.waitForTimeout(500);
  }
  await w.hours.filter({ hasText: "We're closed now; we'll answer tomorrow from 0:00." }).waitFor({ timeout: T });
  assert.equal(await w.hours.getAttribute('data-state'), 'closed');
  assert.ok(asks.length >= 1 && asks.length <= 4, `asked at the boundaries only (${asks.length})`);
  assert.equal(hellos.length, 1, 'flipped by asking, not by a new connection');
  await page.context().close();
}));

test('hoursLine: the zone note only when the customer\'s clock reads the opening differently', async () => {
  const { hoursLine, zoneName } = await import('../../web/widget/src/hours.js');
  const { STRINGS } = await import('../../web/widget/src/strings.js');
  const t = STRINGS.en;
  // Monday 2026-01-05 09:00 in Madrid (08:00 UTC)
  const hrs = { open: false, next_open: Date.UTC(2026, 0, 5, 8), tz: 'Europe/Madrid', text: "We're closed now; we'll answer Monday from 9:00." };
  assert.equal(hoursLine(hrs, t, 'en', 'Europe/Madrid'), hrs.text);
  assert.equal(hoursLine(hrs, t, 'en', 'Europe/Paris'), hrs.text, 'another zone, the same clock time');
  assert.equal(hoursLine({ ...hrs, open: true, text: 'We usually reply within about 15 minutes.' }, t, 'en', 'Asia/Tokyo'),
    'We usually reply within about 15 minutes.');
  assert.match(hoursLine(hrs, t, 'en', 'America/New_York'),
    /^We're closed now; we'll answer Monday from 9:00 \(Madrid time; Monday,? 3:00\sAM for you\)\.$/);
  assert.equal(zoneName('America/Mexico_City'), 'Mexico City');
  assert.equal(hoursLine(null, t, 'en'), '');
});
