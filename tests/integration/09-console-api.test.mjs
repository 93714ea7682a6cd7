// The agent console's REST API and WebSocket additions (docs/rest.md):
// reports, search, customers, agents/teams admin, assign with a team,
// pending follow-up timers (also across instances), presence/viewers, and
// the customer's other tickets in thread frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startRedis, startHilo, addAgent, connect, customer, agent, cleanup, withLogs, httpGet, sleep,
} from '../lib/harness.mjs';

let redis, h1, h2, rootPw, anaPw, bobPw;
let rootCookie, anaCookie;

// ----------------------------------------------------------------- helpers

const isEvent = (kind, extra = () => true) => (f) => f.type === 'event' && f.event.kind === kind && extra(f.event);
const ticketFrame = (ref, extra = () => true) => (f) => f.type === 'ticket' && f.ticket.ref === ref && extra(f.ticket);
const rnd = (n = 8) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);

// HTTP call with an optional cookie and JSON body.
async function api(h, method, path, { cookie, body, raw } = {}) {
  const headers = {};
  if (cookie) headers.cookie = cookie;
  let b;
  if (raw !== undefined) { b = raw; headers['content-type'] = 'application/json'; }
  else if (body !== undefined) { b = JSON.stringify(body); headers['content-type'] = 'application/json'; }
  return httpGet(h.url + path, { method, headers, body: b });
}

const show = (r) => `HTTP ${r.status} ${r.body.slice(0, 400)}`;

function assertErr(r, status, code, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status} ${code}, got ${show(r)}`);
  assert.equal(r.json?.error?.code, code, `${what}: expected code ${code}, got ${show(r)}`);
  assert.equal(typeof r.json.error.message, 'string', `${what}: error.message missing`);
}

// POST /api/v1/session; returns {status, cookie ("hilo_session=…" or null), json}.
async function login(h, name, password) {
  const r = await api(h, 'POST', '/api/v1/session', { body: { name, password } });
  const m = /^hilo_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
  return { status: r.status, json: r.json, cookie: m ? `hilo_session=${m[1]}` : null };
}

async function loginCookie(h, name, password) {
  const l = await login(h, name, password);
  assert.equal(l.status, 200, `login ${name}: ${JSON.stringify(l.json)}`);
  assert.ok(l.cookie, `login ${name}: no cookie`);
  return l.cookie;
}

// A fresh customer writes `texts` (one message each, in order) and gets a ticket.
async function newTicket(h, { texts = ['Hello, I need help'], name, email, locale = 'en' } = {}) {
  const c = await customer(h, { locale, name, email });
  let ref;
  for (let i = 0; i < texts.length; i++) {
    c.send({ type: 'message', client_id: `m-${i + 1}`, text: texts[i] });
    const ack = await c.next((f) => f.type === 'ack' && f.client_id === `m-${i + 1}`);
    assert.equal(ack.duplicate, false);
    if (ref === undefined) ref = ack.ticket; else assert.equal(ack.ticket, ref);
    await c.next(isEvent('message', (e) => e.client_id === `m-${i + 1}`));
  }
  return { c, ref };
}

// Reads a ticket summary (and thread) with an agent connection.
async function openThread(a, ref) {
  const th = await a.request({ type: 'ticket.open', ticket: ref });
  assert.equal(th.type, 'thread', `ticket.open ${ref}: ${JSON.stringify(th)}`);
  return th;
}
async function readSummary(a, ref) {
  const th = await openThread(a, ref);
  const ok = await a.request({ type: 'ticket.close', ticket: ref });
  assert.equal(ok.type, 'ok');
  return th.ticket;
}

// Nearest-rank percentile of an ascending list.
const nearestRank = (sorted, p) => sorted[Math.ceil((p / 100) * sorted.length) - 1];

// A customer with `n` tickets: each but the last is closed by an agent, then
// the customer writes again (which opens a new ticket). Returns refs oldest first.
async function customerWithTickets(h, a, n, { name, email } = {}) {
  const c = await customer(h, { locale: 'en', name, email });
  const refs = [];
  for (let i = 0; i < n; i++) {
    c.send({ type: 'message', client_id: `m-${i + 1}`, text: `problem number ${i + 1}` });
    const ack = await c.next((f) => f.type === 'ack' && f.client_id === `m-${i + 1}`);
    assert.ok(!refs.includes(ack.ticket), 'a message after closed must open a new ticket');
    refs.push(ack.ticket);
    if (i < n - 1) {
      const ok = await a.request({ type: 'status', ticket: ack.ticket, status: 'closed' });
      assert.equal(ok.type, 'ok', JSON.stringify(ok));
      await c.next(isEvent('status', (e) => e.ticket === ack.ticket && e.status === 'closed'));
      await sleep(3); // distinct created_at for newest-first order
    }
  }
  return { c, refs };
}

// Damm check digit (docs/protocol.md): interim digit after the digits of s.
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0]];
const damm = (s) => [...s].reduce((i, d) => DAMM[i][Number(d)], 0);

// A viewer entry: the agent's name as a string, or an object naming it.
const viewerName = (v) => (typeof v === 'string' ? v : (v && (v.agent ?? v.name)));

// ----------------------------------------------------------------- setup

before(async () => {
  redis = await startRedis();
  [h1, h2] = await Promise.all([startHilo({ redisUrl: redis.url }), startHilo({ redisUrl: redis.url })]);
  [rootPw, anaPw, bobPw] = await Promise.all([
    addAgent(h1, 'root', { admin: true, display: 'Root' }),
    addAgent(h1, 'ana', { display: 'Ana' }),
    addAgent(h1, 'bob', { display: 'Bob' }),
  ]);
  rootCookie = await loginCookie(h1, 'root', rootPw);
  anaCookie = await loginCookie(h1, 'ana', anaPw);
});
after(cleanup);

// ----------------------------------------------------------------- auth

test('every console endpoint needs a session: 401 unauthorized without or with a bogus cookie', withLogs(async () => {
  const calls = [
    ['GET', '/api/v1/reports'],
    ['GET', `/api/v1/reports?from=0&to=${Date.now()}`],
    ['GET', '/api/v1/search?q=hello'],
    ['GET', '/api/v1/customers/c0ffee'],
    ['GET', '/api/v1/agents'],
    ['POST', '/api/v1/agents', { name: 'mallory', display: 'M', role: 'admin', team: '' }],
    ['PATCH', '/api/v1/agents/ana', { role: 'admin' }],
    ['POST', '/api/v1/agents/ana/password'],
    ['DELETE', '/api/v1/agents/ana'],
  ];
  for (const [method, path, body] of calls) {
    assertErr(await api(h1, method, path, { body }), 401, 'unauthorized', `${method} ${path} without cookie`);
    assertErr(await api(h1, method, path, { body, cookie: 'hilo_session=s1.9999999999999.bogus' }), 401, 'unauthorized',
      `${method} ${path} with a bogus cookie`);
  }
  // Nothing changed: ana still an agent, mallory absent.
  const list = await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie });
  assert.equal(list.status, 200, show(list));
  assert.equal(list.json.agents.find((x) => x.name === 'ana')?.role, 'agent');
  assert.equal(list.json.agents.find((x) => x.name === 'mallory'), undefined);
  assert.equal((await login(h1, 'ana', anaPw)).status, 200);
}));

test('unknown API path is 404 not_found; wrong method is method_not_allowed', withLogs(async () => {
  assertErr(await api(h1, 'GET', '/api/v1/no-such-endpoint', { cookie: anaCookie }), 404, 'not_found', 'GET unknown');
  const r = await api(h1, 'DELETE', '/api/v1/reports', { cookie: rootCookie });
  assertErr(r, 405, 'method_not_allowed', 'DELETE reports');
  assert.equal(r.headers.get('allow'), 'GET', 'a 405 names the allowed methods (RFC 9110)');
}));

// ----------------------------------------------------------------- agents and teams

test('GET /api/v1/agents: any agent, sorted by name, {name, display, role, team}', withLogs(async () => {
  const r = await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie });
  assert.equal(r.status, 200, show(r));
  const { agents } = r.json;
  assert.ok(Array.isArray(agents));
  const names = agents.map((x) => x.name);
  assert.deepEqual(names, [...names].sort(), 'agents must be sorted by name');
  assert.deepEqual(agents.find((x) => x.name === 'ana'), { name: 'ana', display: 'Ana', role: 'agent', team: '' });
  assert.deepEqual(agents.find((x) => x.name === 'bob'), { name: 'bob', display: 'Bob', role: 'agent', team: '' });
  assert.deepEqual(agents.find((x) => x.name === 'root'), { name: 'root', display: 'Root', role: 'admin', team: '' });
  for (const x of agents) assert.deepEqual(Object.keys(x).sort(), ['display', 'name', 'role', 'team'], `no other fields (no pwhash): ${JSON.stringify(x)}`);
}));

test('non-admin gets 403 forbidden on POST/PATCH/DELETE and on another agent\'s password', withLogs(async () => {
  assertErr(await api(h1, 'POST', '/api/v1/agents', { cookie: anaCookie, body: { name: 'eve', display: 'Eve', role: 'admin', team: '' } }),
    403, 'forbidden', 'ana POST agents');
  assertErr(await api(h1, 'PATCH', '/api/v1/agents/ana', { cookie: anaCookie, body: { role: 'admin' } }), 403, 'forbidden', 'ana PATCH herself');
  assertErr(await api(h1, 'PATCH', '/api/v1/agents/bob', { cookie: anaCookie, body: { team: 'x' } }), 403, 'forbidden', 'ana PATCH bob');
  assertErr(await api(h1, 'DELETE', '/api/v1/agents/bob', { cookie: anaCookie }), 403, 'forbidden', 'ana DELETE bob');
  assertErr(await api(h1, 'POST', '/api/v1/agents/bob/password', { cookie: anaCookie }), 403, 'forbidden', 'ana resets bob\'s password');
  // Nothing changed.
  const list = (await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie })).json.agents;
  assert.equal(list.find((x) => x.name === 'eve'), undefined);
  assert.deepEqual(list.find((x) => x.name === 'ana'), { name: 'ana', display: 'Ana', role: 'agent', team: '' });
  assert.deepEqual(list.find((x) => x.name === 'bob'), { name: 'bob', display: 'Bob', role: 'agent', team: '' });
  assert.equal((await login(h1, 'bob', bobPw)).status, 200, 'bob\'s password must be unchanged');
}));

test('admin creates, patches, resets the password of, and deletes an agent', withLogs(async () => {
  // create
  const cr = await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body: { name: 'dora', display: 'Dora', role: 'agent', team: 'support' } });
  assert.equal(cr.status, 201, show(cr));
  assert.deepEqual(cr.json.agent, { name: 'dora', display: 'Dora', role: 'agent', team: 'support' });
  const pw1 = cr.json.password;
  assert.equal(typeof pw1, 'string');
  assert.ok(pw1.length >= 8, `password too short: ${pw1}`);
  const l1 = await login(h1, 'dora', pw1);
  assert.equal(l1.status, 200, JSON.stringify(l1.json));
  assert.equal(l1.json.agent.name, 'dora');
  assert.equal(l1.json.agent.display, 'Dora');
  assert.equal(l1.json.agent.role, 'agent');
  // and over the WebSocket too
  const ws = await agent(h1, 'dora', pw1);
  assert.equal(ws.session.agent.name, 'dora');
  await ws.close();

  // duplicate
  assertErr(await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body: { name: 'dora', display: 'Other', role: 'agent', team: '' } }),
    409, 'bad_state', 'duplicate POST');
  assertErr(await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body: { name: 'ana', display: 'Other', role: 'agent', team: '' } }),
    409, 'bad_state', 'POST of a CLI-created agent');
  assert.equal((await login(h1, 'dora', pw1)).status, 200, 'a refused duplicate must not change the password');
  assert.equal((await login(h1, 'ana', anaPw)).status, 200, 'a refused duplicate must not change ana\'s password');

  // patch
  const pa = await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { team: 'billing', display: 'Dora B.' } });
  assert.equal(pa.status, 200, show(pa));
  assert.deepEqual(pa.json, { agent: { name: 'dora', display: 'Dora B.', role: 'agent', team: 'billing' } });
  let list = (await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie })).json.agents;
  assert.deepEqual(list.find((x) => x.name === 'dora'), { name: 'dora', display: 'Dora B.', role: 'agent', team: 'billing' });
  // only the given fields change; team "" clears it
  const pb = await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { team: '' } });
  assert.equal(pb.status, 200, show(pb));
  assert.deepEqual(pb.json.agent, { name: 'dora', display: 'Dora B.', role: 'agent', team: '' });
  assertErr(await api(h1, 'PATCH', '/api/v1/agents/nobody-here', { cookie: rootCookie, body: { team: 'x' } }), 404, 'unknown_agent', 'PATCH unknown');

  // password reset by an admin: old one fails, new one works
  const rs = await api(h1, 'POST', '/api/v1/agents/dora/password', { cookie: rootCookie });
  assert.equal(rs.status, 200, show(rs));
  const pw2 = rs.json.password;
  assert.equal(typeof pw2, 'string');
  assert.notEqual(pw2, pw1);
  assertErr(await api(h1, 'POST', '/api/v1/session', { body: { name: 'dora', password: pw1 } }), 401, 'bad_credentials', 'old password');
  const l2 = await login(h1, 'dora', pw2);
  assert.equal(l2.status, 200);
  assertErr(await api(h1, 'POST', '/api/v1/agents/nobody-here/password', { cookie: rootCookie }), 404, 'unknown_agent', 'reset unknown');

  // the agent itself may reset its own password, not another's
  const self = await api(h1, 'POST', '/api/v1/agents/dora/password', { cookie: l2.cookie });
  assert.equal(self.status, 200, show(self));
  const pw3 = self.json.password;
  assert.notEqual(pw3, pw2);
  assert.equal((await login(h1, 'dora', pw2)).status, 401);
  const l3 = await login(h1, 'dora', pw3);
  assert.equal(l3.status, 200);
  assertErr(await api(h1, 'POST', '/api/v1/agents/bob/password', { cookie: l3.cookie }), 403, 'forbidden', 'dora resets bob');
  assert.equal((await login(h1, 'bob', bobPw)).status, 200);

  // role change takes effect for a new session: dora as admin may create agents
  const pr = await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { role: 'admin' } });
  assert.equal(pr.status, 200, show(pr));
  assert.deepEqual(pr.json.agent, { name: 'dora', display: 'Dora B.', role: 'admin', team: '' });
  const l4 = await login(h1, 'dora', pw3);
  assert.equal(l4.json.agent.role, 'admin');
  const byDora = await api(h1, 'POST', '/api/v1/agents', { cookie: l4.cookie, body: { name: 'gus', display: 'Gus', role: 'agent', team: '' } });
  assert.equal(byDora.status, 201, show(byDora));
  assertErr(await api(h1, 'PATCH', '/api/v1/agents/dora', { cookie: rootCookie, body: { role: 'superuser' } }), 400, 'bad_frame', 'bad role');

  // delete: 204, login fails, list lacks it, existing sessions end
  const del = await api(h1, 'DELETE', '/api/v1/agents/dora', { cookie: rootCookie });
  assert.equal(del.status, 204, show(del));
  assert.equal(del.body, '');
  assertErr(await api(h1, 'POST', '/api/v1/session', { body: { name: 'dora', password: pw3 } }), 401, 'bad_credentials', 'login after delete');
  list = (await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie })).json.agents;
  assert.equal(list.find((x) => x.name === 'dora'), undefined);
  assertErr(await api(h1, 'GET', '/api/v1/agents', { cookie: l4.cookie }), 401, 'unauthorized', 'old session of a deleted agent');
  assertErr(await api(h1, 'DELETE', '/api/v1/agents/dora', { cookie: rootCookie }), 404, 'unknown_agent', 'DELETE again');
  const wc = await connect(h1.wsUrl, 'hilo.agent.v1');
  const wsLogin = await wc.request({ type: 'login', name: 'dora', password: pw3 });
  await wc.close();
  assert.equal(wsLogin.type, 'error');
  assert.equal(wsLogin.code, 'bad_credentials');
}));

test('agent names and teams are validated: 400', withLogs(async () => {
  const bad = [
    ['empty name', { name: '', display: 'X', role: 'agent', team: '' }],
    ['upper case', { name: 'Zed', display: 'X', role: 'agent', team: '' }],
    ['space', { name: 'z ed', display: 'X', role: 'agent', team: '' }],
    ['slash', { name: 'z/ed', display: 'X', role: 'agent', team: '' }],
    ['colon', { name: 'z:ed', display: 'X', role: 'agent', team: '' }],
    ['non-ascii', { name: 'zéd', display: 'X', role: 'agent', team: '' }],
    ['65 characters', { name: 'z'.repeat(65), display: 'X', role: 'agent', team: '' }],
    ['name not a string', { name: 7, display: 'X', role: 'agent', team: '' }],
    ['missing name', { display: 'X', role: 'agent', team: '' }],
    ['bad role', { name: 'zed', display: 'X', role: 'owner', team: '' }],
    ['team of 65 characters', { name: 'zed', display: 'X', role: 'agent', team: 't'.repeat(65) }],
  ];
  for (const [what, body] of bad) {
    assertErr(await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body }), 400, 'bad_frame', what);
  }
  assertErr(await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, raw: '{"name":' }), 400, 'bad_json', 'broken JSON');
  assertErr(await api(h1, 'PATCH', '/api/v1/agents/bob', { cookie: rootCookie, body: { team: 't'.repeat(65) } }), 400, 'bad_frame', 'PATCH long team');
  const list = (await api(h1, 'GET', '/api/v1/agents', { cookie: anaCookie })).json.agents;
  assert.equal(list.find((x) => x.name === 'zed'), undefined, 'nothing created');
  assert.deepEqual(list.find((x) => x.name === 'bob'), { name: 'bob', display: 'Bob', role: 'agent', team: '' });

  // the edges that are valid
  for (const name of ['z', 'z'.repeat(64), 'a.b_c-9']) {
    const r = await api(h1, 'POST', '/api/v1/agents', { cookie: rootCookie, body: { name, display: 'Edge', role: 'agent', team: 'q'.repeat(64) } });
    assert.equal(r.status, 201, `${name}: ${show(r)}`);
    assert.deepEqual(r.json.agent, { name, display: 'Edge', role: 'agent', team: 'q'.repeat(64) });
    assert.equal((await login(h1, name, r.json.password)).status, 200);
    assert.equal((await api(h1, 'DELETE', `/api/v1/agents/${name}`, { cookie: rootCookie })).status, 204);
  }
}));

// ----------------------------------------------------------------- assign with team

test('assign with a team; without one the assignee\'s own team (set by PATCH) is used', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const { c, ref } = await newTicket(h1);
  const th = await openThread(a, ref);
  assert.equal(th.ticket.team, '', 'a new ticket\'s summary has team ""');
  assert.equal(th.ticket.follow_up_at, 0, 'a new ticket\'s summary has follow_up_at 0');

  const ok = await a.request({ type: 'assign', ticket: ref, agent: 'bob', team: 'billing', req: 'at1' });
  assert.deepEqual(ok, { type: 'ok', req: 'at1' });
  const asg = (await a.next(isEvent('assign'))).event;
  assert.equal(asg.assignee, 'bob');
  const tf = await a.next(ticketFrame(ref, (t) => t.assignee === 'bob'));
  assert.equal(tf.ticket.team, 'billing');
  assert.equal((await readSummary(a, ref)).team, 'billing');
  assert.ok(!c.frames.some((f) => f.type === 'event' && f.event.kind === 'assign'));

  // bob's own team, set by an admin
  const pa = await api(h1, 'PATCH', '/api/v1/agents/bob', { cookie: rootCookie, body: { team: 'sales' } });
  assert.equal(pa.status, 200, show(pa));
  try {
    const t2 = await newTicket(h1);
    const ok2 = await a.request({ type: 'assign', ticket: t2.ref, agent: 'bob' });
    assert.equal(ok2.type, 'ok', JSON.stringify(ok2));
    const s2 = await readSummary(a, t2.ref);
    assert.equal(s2.assignee, 'bob');
    assert.equal(s2.team, 'sales');
    // The ticket assigned with an explicit team keeps it.
    assert.equal((await readSummary(a, ref)).team, 'billing');
    // ill-typed team
    const bad = await a.request({ type: 'assign', ticket: t2.ref, agent: 'bob', team: 5 });
    assert.equal(bad.type, 'error');
    assert.equal(bad.code, 'bad_frame');
    await t2.c.close();
  } finally {
    await api(h1, 'PATCH', '/api/v1/agents/bob', { cookie: rootCookie, body: { team: '' } });
  }
  await Promise.all([a.close(), c.close()]);
}));

// ----------------------------------------------------------------- follow-up timers

async function zsetHas(ref) {
  const out = await redis.cli('ZRANGE', 'hilo:timers', '0', '-1', 'WITHSCORES');
  const lines = out.split('\n').filter(Boolean);
  const hits = [];
  // follow-up timers only: every write also queues a short-lived SLA look
  // ("sla:<ref>", removed once done when no SLA target is set)
  for (let i = 0; i + 1 < lines.length; i += 2) if (lines[i] === `followup:${ref}`) hits.push({ member: lines[i], score: Number(lines[i + 1]) });
  return hits;
}

test('pending with follow_up_at: back to open with reason follow_up when it passes', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const { c, ref } = await newTicket(h1);
  await openThread(a, ref);
  const fu = Date.now() + 1500;
  const ok = await a.request({ type: 'status', ticket: ref, status: 'pending', follow_up_at: fu, req: 'fu1' });
  assert.deepEqual(ok, { type: 'ok', req: 'fu1' });
  const st = (await a.next(isEvent('status', (e) => e.status === 'pending'))).event;
  assert.equal(st.from, 'open');
  const tf = await a.next(ticketFrame(ref, (t) => t.status === 'pending'));
  assert.equal(tf.ticket.follow_up_at, fu);
  const hits = await zsetHas(ref);
  assert.equal(hits.length, 1, `hilo:timers should hold one entry for ${ref}: ${JSON.stringify(hits)}`);
  assert.equal(hits[0].score, fu);

  const back = (await a.next(isEvent('status', (e) => e.status === 'open'), fu - Date.now() + 4500)).event;
  assert.equal(back.from, 'pending');
  assert.equal(back.reason, 'follow_up');
  assert.equal(back.author.role, 'system');
  assert.ok(back.ts >= fu, `fired ${fu - back.ts} ms early`);
  const s = await readSummary(a, ref);
  assert.equal(s.status, 'open');
  assert.deepEqual(await zsetHas(ref), [], 'a fired timer is removed from hilo:timers');
  // The customer sees the status change too (status events are public).
  const cs = (await c.next(isEvent('status', (e) => e.status === 'open'))).event;
  assert.equal(cs.id, back.id);
  // Bad follow_up_at type.
  const bad = await a.request({ type: 'status', ticket: ref, status: 'pending', follow_up_at: 'soon' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'bad_frame');
  assert.equal((await readSummary(a, ref)).status, 'open', 'a refused status frame changes nothing');
  await Promise.all([a.close(), c.close()]);
}));

test('a follow-up of a ticket moved back to open before it passes does nothing', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const { c, ref } = await newTicket(h1);
  const ctl = await newTicket(h1); // control: stays pending, so its follow-up fires
  await openThread(a, ref);
  await openThread(a, ctl.ref);
  const fu = Date.now() + 1500;
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'pending', follow_up_at: fu })).type, 'ok');
  assert.equal((await a.request({ type: 'status', ticket: ctl.ref, status: 'pending', follow_up_at: fu })).type, 'ok');
  const pend = await a.next(ticketFrame(ref, (t) => t.status === 'pending'));
  assert.equal(pend.ticket.follow_up_at, fu);
  assert.equal((await a.request({ type: 'status', ticket: ref, status: 'open' })).type, 'ok');
  await a.next(isEvent('status', (e) => e.ticket === ref && e.status === 'pending'));
  const manual = (await a.next(isEvent('status', (e) => e.ticket === ref && e.status === 'open'))).event;
  assert.equal(manual.reason, undefined, 'a manual status change has no reason');
  const fired = (await a.next(isEvent('status', (e) => e.ticket === ctl.ref && e.status === 'open'), fu - Date.now() + 4500)).event;
  assert.equal(fired.reason, 'follow_up');
  await sleep(1000);
  await a.none(isEvent('status', (e) => e.ticket === ref), 0);
  await c.none(isEvent('status', (e) => e.status === 'open' && e.reason === 'follow_up'), 0);
  const th = await openThread(a, ref);
  assert.equal(th.ticket.status, 'open');
  assert.equal(th.events.filter((e) => e.kind === 'status').length, 2, 'only pending and the manual open');
  assert.ok(!th.events.some((e) => e.reason === 'follow_up'));
  assert.deepEqual(await zsetHas(ref), [], 'no timer left behind');
  await Promise.all([a.close(), c.close(), ctl.c.close()]);
}));

test('a follow-up fires though the Hilo that set it has stopped (another one on the same Redis)', withLogs(async () => {
  const h3 = await startHilo({ redisUrl: redis.url });
  const setter = await agent(h3, 'bob', bobPw);
  const watcher = await agent(h1, 'ana', anaPw);
  const { c, ref } = await newTicket(h3);
  await openThread(watcher, ref);
  const fu = Date.now() + 2500;
  assert.equal((await setter.request({ type: 'status', ticket: ref, status: 'pending', follow_up_at: fu })).type, 'ok');
  await watcher.next(isEvent('status', (e) => e.status === 'pending'));
  await c.close();
  await setter.close();
  await h3.stop();
  assert.ok(Date.now() < fu, `stopping the setter's hilo took too long (${Date.now() - fu} ms past follow_up_at): inconclusive`);
  const back = (await watcher.next(isEvent('status', (e) => e.status === 'open'), fu - Date.now() + 4500)).event;
  assert.equal(back.from, 'pending');
  assert.equal(back.reason, 'follow_up');
  assert.equal((await readSummary(watcher, ref)).status, 'open');
  // Fired once, not once per instance.
  await sleep(500);
  const th = await openThread(watcher, ref);
  assert.equal(th.events.filter((e) => e.reason === 'follow_up').length, 1);
  await watcher.close();
}));

// ----------------------------------------------------------------- presence

test('presence: viewers in thread frames; presence frames on open, ticket.close and disconnect', withLogs(async () => {
  const { c, ref } = await newTicket(h1);
  const A = await agent(h1, 'ana', anaPw);
  const thA = await openThread(A, ref);
  assert.deepEqual(thA.viewers, [], 'nobody else has it open');

  const B = await agent(h1, 'bob', bobPw);
  const thB = await openThread(B, ref);
  assert.ok(Array.isArray(thB.viewers), `viewers: ${JSON.stringify(thB.viewers)}`);
  assert.deepEqual(thB.viewers.map(viewerName), ['ana'], `B's viewers: ${JSON.stringify(thB.viewers)}`);
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: true });
  await B.none('presence', 200);

  const okc = await B.request({ type: 'ticket.close', ticket: ref });
  assert.equal(okc.type, 'ok');
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: false });

  // B opens again, then disconnects while viewing.
  const thB2 = await openThread(B, ref);
  assert.deepEqual(thB2.viewers.map(viewerName), ['ana']);
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: true });
  await B.close();
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: false });

  // A reopening sees nobody; customers never get presence.
  const thA2 = await openThread(A, ref);
  assert.deepEqual(thA2.viewers, []);
  await c.none('presence', 0);
  assert.ok(!c.frames.some((f) => f.type === 'presence'));
  await Promise.all([A.close(), c.close()]);
}));

test('presence across instances: A on one hilo, B on another', withLogs(async () => {
  const { c, ref } = await newTicket(h1);
  const A = await agent(h1, 'ana', anaPw);
  await openThread(A, ref);
  const B = await agent(h2, 'bob', bobPw);
  const thB = await openThread(B, ref);
  assert.deepEqual((thB.viewers ?? []).map(viewerName), ['ana'], `B's viewers: ${JSON.stringify(thB.viewers)}`);
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: true });
  await B.close();
  assert.deepEqual(await A.next('presence'), { type: 'presence', ticket: ref, agent: 'bob', name: 'Bob', viewing: false });
  await Promise.all([A.close(), c.close()]);
}));

// ----------------------------------------------------------------- customers

test('thread frames list the customer\'s other tickets, newest first; GET /api/v1/customers/<id>', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const email = `iris.${rnd(6)}@example.com`;
  const { c, refs } = await customerWithTickets(h1, a, 3, { name: 'Iris Vale', email });
  const [r1, r2, r3] = refs;
  const th = await openThread(a, r3);
  assert.ok(Array.isArray(th.customer.tickets), `customer.tickets: ${JSON.stringify(th.customer)}`);
  assert.deepEqual(th.customer.tickets.map((t) => t.ref), [r2, r1], 'other tickets, newest first');
  assert.deepEqual(th.customer.tickets.map((t) => t.status), ['closed', 'closed']);
  assert.equal(th.customer.tickets[0].customer, c.welcome.customer);
  const th1 = await openThread(a, r1);
  assert.deepEqual(th1.customer.tickets.map((t) => t.ref), [r3, r2]);

  const id = c.welcome.customer;
  const r = await api(h1, 'GET', `/api/v1/customers/${encodeURIComponent(id)}`, { cookie: anaCookie });
  assert.equal(r.status, 200, show(r));
  const cu = r.json.customer;
  assert.equal(cu.id, id);
  assert.equal(cu.name, 'Iris Vale');
  assert.equal(cu.email, email);
  assert.ok(Array.isArray(cu.identities) && cu.identities.includes('web'), JSON.stringify(cu.identities));
  assert.deepEqual(cu.identities, th.customer.identities);
  assert.deepEqual(r.json.tickets.map((t) => t.ref), [r3, r2, r1], 'tickets newest first');
  assert.deepEqual(r.json.tickets.map((t) => t.status), ['open', 'closed', 'closed']);
  assert.equal(r.json.tickets[0].last_text, 'problem number 3');

  assertErr(await api(h1, 'GET', '/api/v1/customers/c0ffee0000000000000000000000dead', { cookie: anaCookie }), 404, 'not_found', 'unknown customer');
  await Promise.all([a.close(), c.close()]);
}));

test('limits: thread customer.tickets holds the 10 newest other tickets; GET customers up to 20', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const { c, refs } = await customerWithTickets(h1, a, 12, { name: 'Many Tickets' });
  const newest = refs[11];
  const th = await openThread(a, newest);
  assert.deepEqual(th.customer.tickets.map((t) => t.ref), refs.slice(1, 11).reverse());
  const r = await api(h1, 'GET', `/api/v1/customers/${encodeURIComponent(c.welcome.customer)}`, { cookie: anaCookie });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.tickets.map((t) => t.ref), [...refs].reverse());
  await Promise.all([a.close(), c.close()]);
}));

// ----------------------------------------------------------------- search

test('search by reference, email, name and text (case-insensitive), newest first; no match; 1 character is 400', withLogs(async () => {
  const a = await agent(h1, 'ana', anaPw);
  const email = `zoe.${rnd(6)}@example.com`;
  const wMsg = `Kumquat${rnd(6)}`;
  const wNote = `walrus${rnd(6)}`;
  const wReply = `Pelican${rnd(6)}`;
  const wName = `Quillon${rnd(5)}`;
  const { c, refs } = await customerWithTickets(h1, a, 2, { name: `Zoe ${wName}`, email });
  const [r1, r2] = refs;
  c.send({ type: 'message', client_id: 'm-x', text: `My ${wMsg} order is broken` });
  await c.next((f) => f.type === 'ack' && f.client_id === 'm-x');
  assert.equal((await a.request({ type: 'note', ticket: r2, client_id: 'n-1', text: `internal: ${wNote} suspected` })).type, 'ack');
  assert.equal((await a.request({ type: 'reply', ticket: r2, client_id: 'r-1', text: `We sent a ${wReply}.` })).type, 'ack');
  const other = await newTicket(h1, { texts: ['unrelated question'] });

  const search = async (q) => {
    const r = await api(h1, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { cookie: anaCookie });
    assert.equal(r.status, 200, `q=${q}: ${show(r)}`);
    assert.ok(Array.isArray(r.json.tickets), `q=${q}: ${show(r)}`);
    return r.json.tickets;
  };

  // reference, plain, with a space, with dashes
  for (const q of [r1, `${r1.slice(0, 4)} ${r1.slice(4)}`, `${r1.slice(0, 4)}-${r1.slice(4)}`]) {
    const t = await search(q);
    assert.deepEqual(t.map((x) => x.ref), [r1], `q=${q}`);
    assert.equal(t[0].status, 'closed');
    assert.equal(t[0].customer, c.welcome.customer);
    assert.equal(t[0].team, '', 'summaries carry team');
    assert.equal(t[0].follow_up_at, 0, 'summaries carry follow_up_at');
  }
  // the email given in hello: every ticket of that customer, newest first
  assert.deepEqual((await search(email)).map((x) => x.ref), [r2, r1], `q=${email}`);
  // words from a message, a note, a reply, the customer's name; case-insensitive
  assert.deepEqual((await search(wMsg.toLowerCase())).map((x) => x.ref), [r2], 'message word, lower case');
  assert.deepEqual((await search(wMsg.toUpperCase())).map((x) => x.ref), [r2], 'message word, upper case');
  assert.deepEqual((await search(wNote.toUpperCase())).map((x) => x.ref), [r2], 'note word');
  assert.deepEqual((await search(wReply.toLowerCase())).map((x) => x.ref), [r2], 'reply word');
  assert.deepEqual((await search(wName.toLowerCase())).map((x) => x.ref), [r2, r1], 'customer name');
  assert.deepEqual((await search(wMsg.slice(2, 9).toLowerCase())).map((x) => x.ref), [r2], 'substring of a word');
  assert.deepEqual((await search(`my ${wMsg} ORDER`)).map((x) => x.ref), [r2], 'phrase with spaces');
  // no match, also for a well-formed reference no ticket has
  assert.equal(damm(r1), 0, 'Damm table self-check');
  const head = String(1000000 + Math.floor(Math.random() * 8999999));
  const unknownRef = head + damm(head);
  assert.deepEqual(await search(unknownRef), [], `q=${unknownRef}`);
  assert.deepEqual(await search(`nothing-${rnd(10)}`), []);
  assert.deepEqual(await search(`nobody.${rnd(8)}@example.com`), []);
  // too short
  assertErr(await api(h1, 'GET', '/api/v1/search?q=x', { cookie: anaCookie }), 400, 'bad_frame', 'q of 1 character');
  assertErr(await api(h1, 'GET', '/api/v1/search', { cookie: anaCookie }), 400, 'bad_frame', 'no q');
  await Promise.all([a.close(), c.close(), other.c.close()]);
}));

// ----------------------------------------------------------------- reports

test('reports: exact counts, medians and p90 (nearest rank), channels, status, daily, [from, to)', withLogs(async () => {
  // A Redis of its own so the default range holds only these tickets.
  const r2 = await startRedis();
  const hr = await startHilo({ redisUrl: r2.url });
  const pw = await addAgent(hr, 'ana', { display: 'Ana' });
  const cookie = await loginCookie(hr, 'ana', pw);
  const a = await agent(hr, 'ana', pw);

  const empty = await api(hr, 'GET', '/api/v1/reports', { cookie });
  assert.equal(empty.status, 200, show(empty));
  assert.equal(empty.json.tickets, 0);
  assert.equal(empty.json.first_response.count, 0);
  assert.equal(empty.json.resolution.count, 0);

  // t1: 2 messages, reply, resolve -> resolved
  // t2: 1 message, reply           -> open
  // t3: 1 message, pending         -> pending (no first response)
  // t4: 3 messages, reply, closed  -> closed
  const t1 = await newTicket(hr, { texts: ['one', 'one again'] }); await sleep(15);
  const t2 = await newTicket(hr, { texts: ['two'] }); await sleep(15);
  const t3 = await newTicket(hr, { texts: ['three'] }); await sleep(15);
  const t4 = await newTicket(hr, { texts: ['four', 'four b', 'four c'] });
  await sleep(40);
  assert.equal((await a.request({ type: 'reply', ticket: t4.ref, client_id: 'r4', text: 'hi 4' })).type, 'ack');
  await sleep(25);
  assert.equal((await a.request({ type: 'reply', ticket: t2.ref, client_id: 'r2', text: 'hi 2' })).type, 'ack');
  await sleep(60);
  assert.equal((await a.request({ type: 'reply', ticket: t1.ref, client_id: 'r1', text: 'hi 1' })).type, 'ack');
  await sleep(30);
  assert.equal((await a.request({ type: 'resolve', ticket: t1.ref, client_id: 'z1', text: 'done 1' })).type, 'ack');
  assert.equal((await a.request({ type: 'status', ticket: t3.ref, status: 'pending' })).type, 'ok');
  assert.equal((await a.request({ type: 'status', ticket: t4.ref, status: 'closed' })).type, 'ok');

  const S = [];
  for (const t of [t1, t2, t3, t4]) S.push(await readSummary(a, t.ref));
  assert.deepEqual(S.map((s) => s.status), ['resolved', 'open', 'pending', 'closed']);
  for (let i = 1; i < 4; i++) assert.ok(S[i].created_at > S[i - 1].created_at, 'distinct creation times');
  assert.ok(S[0].first_response_at > 0 && S[1].first_response_at > 0 && S[3].first_response_at > 0);
  assert.equal(S[2].first_response_at, 0);
  assert.ok(S[0].resolved_at > 0);

  const expectFor = (sums) => {
    const fr = sums.filter((s) => s.first_response_at > 0).map((s) => s.first_response_at - s.created_at).sort((x, y) => x - y);
    const rs = sums.filter((s) => s.resolved_at > 0).map((s) => s.resolved_at - s.created_at).sort((x, y) => x - y);
    const msgs = { [S[0].ref]: 2, [S[1].ref]: 1, [S[2].ref]: 1, [S[3].ref]: 3 };
    const status = { open: 0, pending: 0, resolved: 0, closed: 0 };
    for (const s of sums) status[s.status]++;
    const days = new Map();
    const day = (d) => { if (!days.has(d)) days.set(d, { day: d, created: 0, resolved: 0 }); return days.get(d); };
    for (const s of sums) day(utcDay(s.created_at)).created++;
    for (const s of sums) if (s.resolved_at > 0) day(utcDay(s.resolved_at)).resolved++;
    return {
      tickets: sums.length,
      first_response: fr.length ? { count: fr.length, median_ms: nearestRank(fr, 50), p90_ms: nearestRank(fr, 90) } : { count: 0 },
      resolution: rs.length ? { count: rs.length, median_ms: nearestRank(rs, 50), p90_ms: nearestRank(rs, 90) } : { count: 0 },
      by_channel: { web: sums.length },
      messages_by_channel: { web: sums.reduce((n, s) => n + msgs[s.ref], 0) },
      status,
      days: [...days.values()],
    };
  };

  const check = (rep, sums, what, { daily = true } = {}) => {
    const e = expectFor(sums);
    assert.equal(rep.tickets, e.tickets, `${what}: tickets`);
    for (const k of ['first_response', 'resolution']) {
      assert.equal(rep[k].count, e[k].count, `${what}: ${k}.count`);
      if (e[k].count) {
        assert.equal(rep[k].median_ms, e[k].median_ms, `${what}: ${k}.median_ms`);
        assert.equal(rep[k].p90_ms, e[k].p90_ms, `${what}: ${k}.p90_ms`);
      }
    }
    assert.deepEqual(rep.by_channel, e.by_channel, `${what}: by_channel`);
    assert.deepEqual(rep.messages_by_channel, e.messages_by_channel, `${what}: messages_by_channel`);
    for (const st of ['open', 'pending', 'resolved', 'closed']) {
      assert.equal(rep.status[st] ?? 0, e.status[st], `${what}: status.${st} in ${JSON.stringify(rep.status)}`);
    }
    const cs = rep.channel_switches;
    assert.equal(cs.total, 0, `${what}: channel_switches.total`);
    assert.equal(cs.tickets_with_switches, 0, `${what}: tickets_with_switches`);
    assert.equal(cs.per_ticket, 0, `${what}: per_ticket`);
    assert.equal(cs.histogram['0'], e.tickets, `${what}: histogram["0"] in ${JSON.stringify(cs.histogram)}`);
    for (const k of ['1', '2', '3+']) assert.equal(cs.histogram[k] ?? 0, 0, `${what}: histogram["${k}"]`);
    assert.ok(Array.isArray(rep.daily), `${what}: daily`);
    if (!daily) return;
    for (const d of e.days) assert.deepEqual(rep.daily.find((x) => x.day === d.day), d, `${what}: daily ${d.day} in ${JSON.stringify(rep.daily)}`);
    const nonzero = rep.daily.filter((x) => x.created || x.resolved).map((x) => x.day).sort();
    assert.deepEqual(nonzero, e.days.map((d) => d.day).sort(), `${what}: days with activity`);
    const days = rep.daily.map((x) => x.day);
    assert.deepEqual(days, [...days].sort(), `${what}: daily in order`);
  };

  // default range: the last 7 days
  const before = Date.now();
  const def = await api(hr, 'GET', '/api/v1/reports', { cookie });
  assert.equal(def.status, 200, show(def));
  // "the last 7 days": allow the server to make `to` exclusive (now + 1 ms)
  assert.ok(Math.abs(def.json.to - def.json.from - 7 * 86400000) <= 1000, `default range is 7 days: ${def.json.to - def.json.from} ms`);
  assert.ok(Math.abs(def.json.to - before) < 60000, `default to is now: ${def.json.to} vs ${before}`);
  check(def.json, S, 'default range');
  // Sanity of the expectation for the full set (not derived from the server).
  assert.equal(def.json.tickets, 4);
  assert.equal(def.json.first_response.count, 3);
  assert.equal(def.json.resolution.count, 1);
  assert.deepEqual(def.json.by_channel, { web: 4 });
  assert.deepEqual(def.json.messages_by_channel, { web: 7 });
  assert.equal(def.json.resolution.median_ms, S[0].resolved_at - S[0].created_at);
  assert.equal(def.json.resolution.p90_ms, S[0].resolved_at - S[0].created_at);

  // explicit range, echoed
  const from = S[0].created_at - 1000, to = Date.now() + 1000;
  const all = await api(hr, 'GET', `/api/v1/reports?from=${from}&to=${to}`, { cookie });
  assert.equal(all.status, 200, show(all));
  assert.equal(all.json.from, from);
  assert.equal(all.json.to, to);
  check(all.json, S, 'explicit range');

  // [from, to) is half-open: from = t2's creation, to = t4's creation -> t2, t3
  const mid = await api(hr, 'GET', `/api/v1/reports?from=${S[1].created_at}&to=${S[3].created_at}`, { cookie });
  assert.equal(mid.status, 200, show(mid));
  check(mid.json, [S[1], S[2]], '[t2, t4)');
  assert.equal(mid.json.tickets, 2);
  assert.equal(mid.json.first_response.count, 1);
  assert.equal(mid.json.first_response.median_ms, S[1].first_response_at - S[1].created_at);
  assert.equal(mid.json.resolution.count, 0);
  assert.equal(mid.json.status.pending, 1);

  // [t1, t1+1): t1 only
  const one = await api(hr, 'GET', `/api/v1/reports?from=${S[0].created_at}&to=${S[0].created_at + 1}`, { cookie });
  assert.equal(one.status, 200, show(one));
  // (daily not checked here: t1 was resolved after this range ends)
  check(one.json, [S[0]], '[t1, t1+1)', { daily: false });

  // a range after every ticket
  const later = await api(hr, 'GET', `/api/v1/reports?from=${to}&to=${to + 3600000}`, { cookie });
  assert.equal(later.status, 200, show(later));
  assert.equal(later.json.tickets, 0);
  assert.equal(later.json.first_response.count, 0);
  assert.equal(later.json.resolution.count, 0);
  assert.equal(later.json.by_channel.web ?? 0, 0);

  await Promise.all([a.close(), t1.c.close(), t2.c.close(), t3.c.close(), t4.c.close()]);
  await hr.stop();
  await r2.stop();
}));
