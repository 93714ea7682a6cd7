// Browser test of where the case stands (issue #10): the widget shows the
// case's state in the customer's language (received, in progress, waiting
// on you, resolved) and offers status updates elsewhere, refused for an
// address the customer has not proven. Debian's Chromium via
// playwright-core against a real hilo.
//
//   HILO_BIN=$PWD/build/hilo node --test --test-concurrency=1 tests/browser/status-widget.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agent, withLogs } from '../lib/harness.mjs';
import { T, startWidgetEnv, stopWidgetEnv, widgetPages, send, refOf } from './lib/widget-page.mjs';

const env = {};
let hilo; let agentPw;

const { hostPage, newPage, openWidget } = widgetPages(env, { prefix: 'ux' });

before(async () => {
  ({ hilo, agentPw } = await startWidgetEnv(env, { webPrefix: 'hilo-widget-ux-web-' }));
});

after(() => stopWidgetEnv(env));

test('the case state follows the ticket, in Spanish; an unproven address for updates is refused', withLogs(async () => {
  const page = await newPage({ locale: 'es-ES' });
  const w = await openWidget(page, hostPage({ lang: 'es' }));
  await send(w, 'Hola, mi pedido no ha llegado');
  const ref = await refOf(w);
  const state = w.host.locator('[data-part="case-state"]');
  const text = w.host.locator('[data-part="case-text"]');
  await state.and(w.host.locator('[data-state="received"]')).waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Recibido, esperando a un agente');

  const a = await agent(hilo, 'ana', agentPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  a.send({ type: 'reply', ticket: ref, client_id: 'r-1', text: 'Lo miro ahora mismo' });
  await w.host.locator('[data-state="in_progress"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'En curso');

  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending' })).type, 'ok');
  await w.host.locator('[data-state="waiting"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Esperando tu respuesta');
  await w.host.locator('[data-kind="status"]', { hasText: 'Estamos esperando tu respuesta' }).waitFor({ timeout: T });

  // no proven email: refused, said in Spanish
  await w.host.locator('[data-part="notify"]').selectOption('email');
  const said = w.host.locator('[data-part="notify-said"]');
  await said.waitFor({ timeout: T });
  assert.match(await said.textContent(), /Solo podemos escribirte a una dirección que nos hayas confirmado/);

  a.send({ type: 'resolve', ticket: ref, client_id: 'r-2', text: 'Enviado de nuevo' });
  await w.host.locator('[data-state="resolved"]').waitFor({ timeout: T });
  assert.equal(await text.textContent(), 'Resuelto');
  await a.close();
  await page.context().close();
}));
