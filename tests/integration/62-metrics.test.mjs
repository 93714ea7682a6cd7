// Issue #12: GET /metrics in the Prometheus text format. Scrapes before and
// after real traffic and checks that the numbers moved by what happened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startHilo, addAgent, customer, agent, cleanup, withLogs, httpGet, connect, LOGIN_TIMEOUT_MS } from '../lib/harness.mjs';

let redis, anaPw;

before(async () => {
  redis = await startRedis();
  anaPw = await addAgent(redis.url, 'ana', { display: 'Ana' });
});
after(cleanup);

// name{labels} -> value, from a text page; every line checked for syntax.
function parse(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const r = /^([a-z_]+(?:\{[^}]*\})?) (\d+(?:\.\d+)?)$/.exec(line);
    assert.ok(r, `bad metrics line: ${line}`);
    m.set(r[1], Number(r[2]));
  }
  return m;
}

async function scrape(hilo, headers = {}) {
  const res = await httpGet(hilo.url + '/metrics', { headers });
  assert.equal(res.status, 200, res.body);
  assert.match(res.headers.get ? res.headers.get('content-type') : res.headers['content-type'], /^text\/plain/);
  return parse(res.body);
}

test('counters and gauges follow real traffic', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url });
  const m0 = await scrape(hilo);
  assert.equal(m0.get('hilo_ws_connections{role="customer"}'), 0);
  assert.equal(m0.get('hilo_redis_link_state{link="main",state="ready"}'), 1);
  assert.equal(m0.get('hilo_redis_link_state{link="pubsub",state="ready"}'), 1);
  assert.equal(m0.get('hilo_metrics_redis_up'), 1);

  const c = await customer(hilo, { locale: 'en' });
  c.send({ type: 'message', client_id: 'mx-0', text: 'first' });
  const ref = (await c.next('ack')).ticket;
  const a = await agent(hilo, 'ana', anaPw);
  await a.request({ type: 'ticket.open', ticket: ref });
  for (let i = 1; i <= 3; i++) {
    c.send({ type: 'message', client_id: `mx-${i}`, text: `m ${i}` });
    await c.next((f) => f.type === 'ack' && f.client_id === `mx-${i}`);
    await a.next((f) => f.type === 'event' && f.event.client_id === `mx-${i}`);
  }
  c.send({ type: 'message', client_id: 'mx-1', text: 'm 1' }); // a duplicate
  assert.equal((await c.next((f) => f.type === 'ack' && f.client_id === 'mx-1')).duplicate, true);
  c.send({ type: 'nonsense' });
  await c.next((f) => f.type === 'error' && f.code === 'unknown_type');
  const bad = await connect(hilo.wsUrl, 'hilo.agent.v1');
  bad.send({ type: 'login', name: 'ana', password: 'wrong password' });
  assert.equal((await bad.next('error', LOGIN_TIMEOUT_MS)).code, 'bad_credentials');
  await httpGet(hilo.url + '/no/such/file');

  const m1 = await scrape(hilo);
  const d = (k) => (m1.get(k) ?? NaN) - (m0.get(k) ?? 0);
  assert.equal(m1.get('hilo_ws_connections{role="customer"}'), 1);
  assert.ok(m1.get('hilo_ws_connections{role="agent"}') >= 1);
  assert.equal(d('hilo_messages_stored_total'), 4);
  assert.equal(d('hilo_messages_duplicate_total'), 1);
  // mx-1..3 to the agent and to the customer, and the first message's two
  // events (message, ack) to the customer: at least 8 live deliveries.
  assert.ok(d('hilo_live_deliveries_total') >= 8, `deliveries ${d('hilo_live_deliveries_total')}`);
  assert.ok(d('hilo_ws_frames_total{direction="in"}') >= 8);
  assert.ok(d('hilo_ws_frames_total{direction="out"}') >= 12);
  assert.equal(d('hilo_errors_total{code="unknown_type"}'), 1);
  assert.equal(d('hilo_login_failures_total'), 1);
  assert.ok(d('hilo_http_responses_total{class="4xx"}') >= 1);
  assert.ok(d('hilo_http_responses_total{class="2xx"}') >= 1); // the first scrape
  assert.equal(m1.get('hilo_outbox_depth{state="dead"}'), 0);
  assert.equal(m1.get('hilo_live_stale_tickets'), 0);

  await Promise.all([c.close(), a.close(), bad.close()]);
  // Closed sessions leave the gauge.
  const deadline = Date.now() + 5000;
  let m2;
  do m2 = await scrape(hilo); while (m2.get('hilo_ws_connections{role="customer"}') !== 0 && Date.now() < deadline);
  assert.equal(m2.get('hilo_ws_connections{role="customer"}'), 0);
  assert.equal(m2.get('hilo_ws_connections{role="agent"}'), 0);
}));

test('with --metrics-token, only its Bearer token may scrape', withLogs(async () => {
  const hilo = await startHilo({ redisUrl: redis.url, args: ['--metrics-token', 's3cret-metrics'] });
  assert.equal((await httpGet(hilo.url + '/metrics')).status, 403);
  assert.equal((await httpGet(hilo.url + '/metrics', { headers: { authorization: 'Bearer nope' } })).status, 403);
  assert.equal((await httpGet(hilo.url + '/metrics', { headers: { authorization: 'Bearer s3cret-metrics-x' } })).status, 403);
  const m = await scrape(hilo, { authorization: 'Bearer s3cret-metrics' });
  assert.equal(m.get('hilo_redis_link_state{link="main",state="ready"}'), 1);
  assert.doesNotMatch(hilo.logs(), /s3cret-metrics/);
}));

test('the Grafana dashboard uses only metrics /metrics serves', withLogs(async () => {
  const { readFile } = await import('node:fs/promises');
  const { repoRoot } = await import('../lib/harness.mjs');
  const dash = JSON.parse(await readFile(`${repoRoot}/docs/ops/grafana-dashboard.json`, 'utf8'));
  const hilo = await startHilo({ redisUrl: redis.url });
  const page = (await httpGet(hilo.url + '/metrics')).body;
  const served = new Set([...page.matchAll(/^([a-z_]+)[{ ]/gm)].map((m) => m[1]));
  const used = new Set();
  for (const p of dash.panels) for (const t of p.targets) for (const m of t.expr.matchAll(/\bhilo_[a-z_]+/g)) used.add(m[0]);
  assert.ok(used.size >= 10);
  for (const name of used) assert.ok(served.has(name), `dashboard uses ${name}, not served`);
}));
