// Hilo test harness: real redis-server + real hilo processes on loopback, and a
// small WebSocket client with a frame queue. Shared by tests/integration and
// tests/browser; keep this API small and stable (add, do not change).
//
// Paths
//   repoRoot                  absolute path of the repository
//   HILO_BIN                  env HILO_BIN, default <repoRoot>/build/hilo
//
// Processes (every process and temp dir is tracked; call cleanup() in an
// after() hook; anything left is SIGKILLed / removed when the process exits)
//   freePort() -> Promise<number>
//   tmpDir(prefix?) -> Promise<string>                  removed by cleanup()
//   startRedis({dir?, port?, appendonly = true}) -> Promise<Redis>
//     Redis: {port, url, dir, proc, running, stop(), restart(), cli(...args)}
//       stop()/restart() wait for the process to exit / to answer PING;
//       restart() keeps port and dir (AOF on by default, so data survives).
//       cli(...args) -> Promise<string>: redis-cli output, trimmed (raw mode).
//   startHilo({redisUrl, args = [], env = {}, webRoot?, varDir?, prefix?,
//              waitReady = true, logLevel = 'info'}) -> Promise<Hilo>
//     Hilo: {port, url, wsUrl, redisUrl, prefix, proc, exited, stop(),
//            kill(signal), logs()}
//       waits for GET /readyz == 200 (10 s) unless waitReady is false (then
//       waits for /healthz). stop() sends SIGTERM and resolves with the exit
//       code (null if killed by a signal); exited resolves {code, signal}.
//   runHilo(args, {env?, timeoutMs?}) -> Promise<{code, signal, stdout, stderr}>
//   (hilo children never inherit the caller's HILO_* variables; pass env.)
//   addAgent(hiloOrRedisUrl, name, {admin?, display?, prefix?}) -> password
//   advanceClock(hilo, ms) -> Promise<now_ms>   moves hilo's wall clock forward
//     (hilo must be started with args ['--test-clock', '1']; per process)
//   cleanup() -> Promise<void>   stops every tracked process, removes temp dirs
//
// HTTP
//   httpGet(url, {headers?}) -> {status, headers, body, json}   (fetch based)
//
// WebSocket clients
//   connect(wsUrl, subprotocol, {origin?, headers?}) -> Promise<Client>
//     rejects with err.status set when the handshake is refused (HTTP status).
//     Client: {ws, frames, closed, send(obj), sendRaw(stringOrBuffer, opts),
//              next(predicateOrType, timeoutMs = 5000), none(pred, ms = 300),
//              drain(pred?),
//              request(obj, timeoutMs) (adds a unique req, waits for the
//              reply/error carrying it), close(code?, reason?)}
//       frames: every parsed frame received, in order.
//       next(): resolves the first queued frame that matches and removes it
//       from the queue; frames that do not match stay queued for later calls.
//       A string predicate matches frame.type. Rejects on timeout or close.
//       none(): resolves after ms if no matching frame arrived, else rejects.
//       drain(pred?): removes and returns every queued frame that matches.
//       closed: Promise<{code, reason}>.
//   customer(hilo, {locale?, token?, name?, email?, after?, origin?})
//     -> Client with .welcome (the welcome frame) and .token
//   agent(hilo, name, password) -> Client with .session (the session frame)
//
// Failure logs
//   withLogs(fn) wraps a test function: when it throws, the tail of the logs
//   of every hilo started in this process is attached to the error message.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HILO_BIN = process.env.HILO_BIN
  ? path.resolve(repoRoot, process.env.HILO_BIN)
  : path.resolve(repoRoot, 'build/hilo');
export const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';
export const REDIS_CLI = process.env.REDIS_CLI || '/usr/bin/redis-cli';

const procs = new Set();   // live child processes
const dirs = new Set();    // temp dirs to remove
const hilos = new Set();   // every hilo started (for logs)
const clients = new Set(); // open WebSocket clients

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function killAllSync() {
  for (const c of clients) { try { c.ws.terminate(); } catch {} }
  for (const p of procs) { try { p.kill('SIGKILL'); } catch {} }
  for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch {} }
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => { killAllSync(); process.exit(128 + os.constants.signals[sig]); });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function tmpDir(prefix = 'hilo-test-') {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.add(d);
  return d;
}

// Spawns a tracked child with captured output; returns {proc, out(), exited}.
function spawnTracked(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let buf = '';
  const MAX = 1 << 20;
  const add = (d) => { buf += d.toString(); if (buf.length > MAX) buf = buf.slice(-MAX / 2); };
  proc.stdout.on('data', add);
  proc.stderr.on('data', add);
  procs.add(proc);
  const exited = new Promise((resolve) => {
    proc.once('error', (err) => { add(`spawn error: ${err.message}\n`); procs.delete(proc); resolve({ code: null, signal: null, error: err }); });
    proc.once('exit', (code, signal) => { procs.delete(proc); resolve({ code, signal }); });
  });
  return { proc, out: () => buf, exited };
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try { if (await check()) return; } catch (e) { if (e.fatal) throw e; lastErr = e; }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
}

function execP(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 10000, env: opts.env ?? process.env, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: child.exitCode, signal: child.signalCode, stdout: String(stdout), stderr: String(stderr), error: err });
      });
  });
}

// ---------------------------------------------------------------- Redis

export async function startRedis({ dir, port, appendonly = true } = {}) {
  const r = {
    port: port ?? await freePort(),
    dir: dir ?? await tmpDir('hilo-redis-'),
    proc: null, running: false, _exited: null, _out: null,
  };
  r.url = `redis://127.0.0.1:${r.port}`;
  r.cli = async (...args) => {
    const res = await execP(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(r.port), ...args.map(String)]);
    if (res.code !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${res.stderr}${res.stdout}`);
    return res.stdout.replace(/\n$/, '');
  };
  r.start = async () => {
    const { proc, out, exited } = spawnTracked(REDIS_SERVER, [
      '--port', String(r.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', appendonly ? 'yes' : 'no', '--dir', r.dir, '--daemonize', 'no',
    ]);
    r.proc = proc; r._exited = exited; r._out = out; r.running = true;
    let dead = false;
    exited.then(() => { dead = true; r.running = false; });
    await waitFor(async () => {
      if (dead) throw Object.assign(new Error(`redis-server exited: ${out()}`), { fatal: true });
      return (await execP(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(r.port), 'PING'], { timeoutMs: 2000 })).stdout.trim() === 'PONG';
    }, 10000, `redis-server on port ${r.port}`);
  };
  r.stop = async () => {
    if (!r.proc || !r.running) return;
    r.proc.kill('SIGTERM');
    const t = setTimeout(() => { try { r.proc.kill('SIGKILL'); } catch {} }, 5000);
    await r._exited;
    clearTimeout(t);
    r.running = false;
  };
  r.restart = async () => { await r.stop(); await r.start(); };
  r.logs = () => (r._out ? r._out() : '');
  await r.start();
  return r;
}

// ---------------------------------------------------------------- hilo

// The caller's HILO_* variables would configure the child; tests pass their own.
function hiloEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HILO_')) env[k] = v;
  return { ...env, ...extra };
}

export async function runHilo(args, { env = {}, timeoutMs = 10000 } = {}) {
  return execP(HILO_BIN, args, { env: hiloEnv(env), timeoutMs });
}

export async function startHilo({
  redisUrl, args = [], env = {}, webRoot, varDir, prefix,
  waitReady = true, logLevel = 'info',
} = {}) {
  const port = await freePort();
  const h = {
    port, redisUrl, prefix: prefix ?? 'hilo',
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
  };
  const vd = varDir ?? await tmpDir('hilo-var-');
  const argv = [
    'serve', '--listen', `127.0.0.1:${port}`,
    '--web-root', webRoot ?? path.join(repoRoot, 'web'), '--var-dir', vd,
    '--log-level', logLevel,
  ];
  if (redisUrl) argv.push('--redis-url', redisUrl);
  if (prefix) argv.push('--prefix', prefix);
  argv.push(...args);
  const { proc, out, exited } = spawnTracked(HILO_BIN, argv, { env: hiloEnv(env) });
  h.proc = proc;
  h.exited = exited;
  h.argv = argv;
  h.logs = out;
  let dead = null;
  exited.then((e) => { dead = e; });
  h.kill = (signal = 'SIGKILL') => { try { proc.kill(signal); } catch {} return exited; };
  h.stop = async () => {
    if (dead) return dead.code;
    proc.kill('SIGTERM');
    const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch {} }, 8000);
    const e = await exited;
    clearTimeout(t);
    return e.code;
  };
  hilos.add(h);
  const path_ = waitReady ? '/readyz' : '/healthz';
  try {
    await waitFor(async () => {
      if (dead) throw Object.assign(new Error(`hilo exited early (code ${dead.code}, signal ${dead.signal})`), { fatal: true });
      const res = await fetch(h.url + path_, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    }, 10000, `hilo ${path_} on port ${port}`);
  } catch (e) {
    await h.kill();
    e.message += `\n--- hilo ${argv.join(' ')}\n${out().slice(-4000)}`;
    throw e;
  }
  return h;
}

export async function addAgent(target, name, { admin = false, display, prefix } = {}) {
  const redisUrl = typeof target === 'string' ? target : target.redisUrl;
  const pfx = prefix ?? (typeof target === 'string' ? undefined : target.prefix);
  const args = ['agent', 'add', name, '--redis-url', redisUrl];
  if (display) args.push('--display', display);
  if (admin) args.push('--admin');
  if (pfx) args.push('--prefix', pfx);
  const res = await runHilo(args);
  if (res.code !== 0) throw new Error(`hilo ${args.join(' ')} exited ${res.code ?? res.signal}: ${res.stderr}${res.error ? ` (${res.error.message})` : ''}`);
  const lines = res.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`hilo agent add printed ${lines.length} lines, expected only the password: ${JSON.stringify(res.stdout)}`);
  return lines[0].trim();
}

// A sanitizer build (scripts/test's build-asan) reports leaks, memory errors
// and undefined behaviour on stderr; the process may still exit 0 or by a
// signal the test expected. The report is the evidence, so it fails the file.
const SANITIZER = /^(==\d+==ERROR: (LeakSanitizer|AddressSanitizer).*|.*: runtime error: .*)$/m;

export function sanitizerReport(text) {
  const m = SANITIZER.exec(text);
  return m ? text.slice(m.index, m.index + 6000) : null;
}

export async function cleanup() {
  for (const c of clients) { try { c.ws.terminate(); } catch {} }
  clients.clear();
  await Promise.all([...hilos].map((h) => h.stop().catch(() => {})));
  const reports = [];
  for (const h of hilos) {
    if (h.sanitizerChecked) continue;
    h.sanitizerChecked = true;
    const r = sanitizerReport(h.logs());
    if (r) reports.push(`--- hilo ${h.argv.join(' ')}\n${r}`);
  }
  await Promise.all([...procs].map((p) => new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', resolve);
    p.kill('SIGTERM');
    setTimeout(() => { try { p.kill('SIGKILL'); } catch {} }, 5000).unref();
  })));
  for (const d of dirs) await rm(d, { recursive: true, force: true }).catch(() => {});
  dirs.clear();
  if (reports.length) throw new Error(`hilo's sanitizer reported errors:\n${reports.join('\n')}`);
}

export function withLogs(fn) {
  return async (...a) => {
    try {
      return await fn(...a);
    } catch (e) {
      let extra = '';
      for (const h of hilos) extra += `\n--- hilo :${h.port} logs (tail)\n${h.logs().slice(-3000)}`;
      if (e && typeof e === 'object') {
        // Reporters print the stack; format it before changing the message.
        const stack = typeof e.stack === 'string' ? e.stack : null;
        try { e.message = `${e.message}${extra}`; } catch {}
        try { if (stack) e.stack = `${stack}${extra}`; } catch {}
      }
      throw e;
    }
  };
}

// ---------------------------------------------------------------- HTTP

// With a session cookie, an unsafe method sends the Origin a browser on the
// console would (Hilo refuses such requests without it, docs/security.md);
// pass noOrigin: true to leave it out.
export async function httpGet(url, { headers = {}, method = 'GET', body, noOrigin = false } = {}) {
  const has = (k) => Object.keys(headers).some((h) => h.toLowerCase() === k);
  if (!noOrigin && has('cookie') && !has('origin') && !['GET', 'HEAD'].includes(method.toUpperCase())) {
    headers = { ...headers, origin: new URL(url).origin };
  }
  const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, body: text, json };
}

// Moves the wall clock (hilo_now_ms) of one hilo started with --test-clock 1
// forward by ms; resolves with its new now_ms.
export async function advanceClock(hilo, ms) {
  const r = await httpGet(hilo.url + '/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_ms: ms }),
  });
  if (r.status !== 200) throw new Error(`advanceClock: ${r.status} ${r.body}`);
  return r.json.now_ms;
}

// ---------------------------------------------------------------- WebSocket

function matcher(pred) {
  if (typeof pred === 'function') return pred;
  if (typeof pred === 'string') return (f) => f && f.type === pred;
  if (pred && typeof pred === 'object') {
    return (f) => f && Object.entries(pred).every(([k, v]) => f[k] === v);
  }
  return () => true;
}

const short = (f) => { const s = JSON.stringify(f); return s.length > 300 ? s.slice(0, 300) + '…' : s; };
let reqSeq = 0;

export function connect(wsUrl, subprotocol, { origin, headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const opts = { headers: { ...headers }, handshakeTimeout: timeoutMs, maxPayload: 64 << 20 };
    if (origin) opts.origin = origin;
    const protos = subprotocol == null ? [] : [].concat(subprotocol);
    const ws = new WebSocket(wsUrl, protos, opts);
    const c = {
      ws, frames: [], queue: [], waiters: [], isClosed: false, closeInfo: null,
    };
    c.closed = new Promise((r) => { c._resolveClosed = r; });
    let opened = false;
    ws.on('unexpected-response', (req, res) => {
      const err = new Error(`handshake refused: HTTP ${res.statusCode}`);
      err.status = res.statusCode;
      res.resume();
      try { req.destroy(); } catch {}
      reject(err);
    });
    ws.on('error', (err) => { if (!opened) reject(err); });
    ws.on('open', () => { opened = true; clients.add(c); resolve(c); });
    ws.on('message', (data, isBinary) => {
      let f;
      try { f = JSON.parse(data.toString()); } catch { f = { type: '__unparsable__', raw: data.toString(), isBinary }; }
      c.frames.push(f);
      c.queue.push(f);
      pump(c);
    });
    ws.on('close', (code, reason) => {
      c.isClosed = true;
      c.closeInfo = { code, reason: reason.toString() };
      clients.delete(c);
      c._resolveClosed(c.closeInfo);
      for (const w of c.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`connection closed (${code} ${reason}) while waiting for ${w.what}; unmatched frames: ${c.queue.map(short).join(' | ') || 'none'}`));
      }
    });

    c.send = (obj) => ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
    c.sendRaw = (data, o = {}) => ws.send(data, o);
    c.close = (code = 1000, reason = '') => {
      if (!c.isClosed) { try { ws.close(code, reason); } catch {} }
      const t = setTimeout(() => { try { ws.terminate(); } catch {} }, 1000);
      return c.closed.finally(() => clearTimeout(t));
    };
    c.next = (pred, timeout = 5000) => {
      const m = matcher(pred);
      const what = typeof pred === 'function' ? (pred.name || String(pred).slice(0, 120)) : JSON.stringify(pred);
      const i = c.queue.findIndex(m);
      if (i >= 0) return Promise.resolve(c.queue.splice(i, 1)[0]);
      if (c.isClosed) return Promise.reject(new Error(`connection closed (${c.closeInfo.code}) before ${what}; unmatched frames: ${c.queue.map(short).join(' | ') || 'none'}`));
      return new Promise((res, rej) => {
        const w = { m, resolve: res, reject: rej, what };
        w.timer = setTimeout(() => {
          c.waiters.splice(c.waiters.indexOf(w), 1);
          rej(new Error(`timed out after ${timeout} ms waiting for ${what}; unmatched frames: ${c.queue.map(short).join(' | ') || 'none'}`));
        }, timeout);
        c.waiters.push(w);
      });
    };
    c.none = async (pred, ms = 300) => {
      const m = matcher(pred);
      const already = c.queue.find(m);
      if (already) throw new Error(`unexpected frame: ${short(already)}`);
      await sleep(ms);
      const got = c.queue.find(m);
      if (got) throw new Error(`unexpected frame: ${short(got)}`);
    };
    c.drain = (pred) => {
      const m = matcher(pred);
      const out = c.queue.filter(m);
      c.queue = c.queue.filter((f) => !m(f));
      return out;
    };
    c.request = (obj, timeout = 5000) => {
      const req = obj.req ?? `r${++reqSeq}`;
      c.send({ ...obj, req });
      return c.next((f) => f.req === req, timeout);
    };
  });
}

function pump(c) {
  for (let wi = 0; wi < c.waiters.length; wi++) {
    const w = c.waiters[wi];
    const i = c.queue.findIndex(w.m);
    if (i >= 0) {
      const f = c.queue.splice(i, 1)[0];
      c.waiters.splice(wi, 1); wi--;
      clearTimeout(w.timer);
      w.resolve(f);
    }
  }
}

export async function customer(hilo, { locale, token, name, email, after, origin, identity } = {}) {
  const c = await connect(hilo.wsUrl ?? hilo, 'hilo.customer.v1', { origin });
  const hello = { type: 'hello' };
  if (token !== undefined) hello.token = token;
  if (locale !== undefined) hello.locale = locale;
  if (name !== undefined) hello.name = name;
  if (email !== undefined) hello.email = email;
  if (after !== undefined) hello.after = after;
  if (identity !== undefined) hello.identity = identity;
  c.send(hello);
  c.welcome = await c.next((f) => f.type === 'welcome' || f.type === 'error');
  if (c.welcome.type !== 'welcome') throw new Error(`hello answered with ${short(c.welcome)}`);
  c.token = c.welcome.token;
  return c;
}

// A login verifies an Argon2id hash (64 MiB) in the thread pool: on a loaded
// 2-core machine that alone can take seconds, so it gets more than next()'s 5 s.
export const LOGIN_TIMEOUT_MS = 30000;

export async function agent(hilo, name, password) {
  const c = await connect(hilo.wsUrl ?? hilo, 'hilo.agent.v1');
  c.send({ type: 'login', name, password });
  c.session = await c.next((f) => f.type === 'session' || f.type === 'error', LOGIN_TIMEOUT_MS);
  if (c.session.type !== 'session') throw new Error(`login as ${name} answered with ${short(c.session)}`);
  return c;
}

// Compares two Redis stream ids ("ms-seq") as integers: <0, 0, >0.
export function cmpId(a, b) {
  const [am, as] = String(a).split('-').map(BigInt);
  const [bm, bs] = String(b).split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if ((as ?? 0n) !== (bs ?? 0n)) return (as ?? 0n) < (bs ?? 0n) ? -1 : 1;
  return 0;
}
