// A first load probe (the benchmark with targets is its own issue): memory
// of N idle customer connections, then 20,000 customer messages from 200
// customers, each stored, published, echoed to its sender and delivered to
// two agents watching every ticket. Prints Hilo's RSS per connection, the
// rate, and Hilo's CPU time per message (from /proc).
//   node bench/ws-load.mjs [connections=2000]     (HILO_BIN overrides the binary)
import WebSocket from 'ws';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = process.env.HILO_BIN || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../build/hilo');
const freePort = () => new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const port = await freePort(), rport = await freePort();
const redis = spawn('redis-server', ['--port', String(rport), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise(r => setTimeout(r, 500));
const hilo = spawn(bin, ['--listen', `127.0.0.1:${port}`, '--redis-url', `redis://127.0.0.1:${rport}`, '--msg-rate', '100000', '--msg-burst', '100000', '--max-conns', '30000', '--max-conns-per-ip', '30000', '--log-level', 'warn'], { stdio: 'inherit' });
await new Promise(r => setTimeout(r, 800));
const stat = () => { const f = readFileSync(`/proc/${hilo.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }; // ms
const rss = () => Number(readFileSync(`/proc/${hilo.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const open = (proto) => new Promise((res, rej) => { const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, proto); ws.on('open', () => res(ws)); ws.on('error', rej); });
const r0 = rss();
const N = Number(process.argv[2] || 2000);
const conns = [];
for (let i = 0; i < N; i += 100) conns.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => open('hilo.customer.v1'))));
await new Promise(r => setTimeout(r, 500));
const r1 = rss();
console.log(`${N} idle connections: RSS ${r0} KiB -> ${r1} KiB, ${((r1 - r0) / N).toFixed(2)} KiB per connection`);
// throughput: 200 customers, each on its ticket, 2 agents watching every ticket
const pw = execFileSync(bin, ['agent', 'add', 'b' + Date.now() % 1e6, '--redis-url', `redis://127.0.0.1:${rport}`]).toString().trim();
const name = execFileSync(bin, ['agent', 'list', '--redis-url', `redis://127.0.0.1:${rport}`]).toString().trim().split('\n').pop();
const C = 200, M = 100;
const cust = conns.slice(0, C);
let acks = 0; const refs = [];
await Promise.all(cust.map((ws, i) => new Promise(res => { ws.on('message', (d) => { const f = JSON.parse(d); if (f.type === 'welcome') ws.send(JSON.stringify({ type: 'message', client_id: 'first', text: 'hi' })); if (f.type === 'ack') { acks++; if (f.client_id === 'first') { refs[i] = f.ticket; res(); } } }); ws.send(JSON.stringify({ type: 'hello', locale: 'en' })); })));
const agents = [];
for (let k = 0; k < 2; k++) { const a = await open('hilo.agent.v1'); a.send(JSON.stringify({ type: 'login', name, password: pw })); await new Promise(r => a.once('message', r)); agents.push(a); for (const ref of refs) a.send(JSON.stringify({ type: 'ticket.open', ticket: ref })); }
let agentEvents = 0; for (const a of agents) a.on('message', (d) => { if (String(d).startsWith('{"type":"event"')) agentEvents++; });
await new Promise(r => setTimeout(r, 1500)); agentEvents = 0; acks = 0;
const cpu0 = stat(), t0 = Date.now();
const want = C * M;
const done = new Promise(res => { const iv = setInterval(() => { if (acks >= want && agentEvents >= 2 * want) { clearInterval(iv); res(); } }, 5); });
for (let m = 0; m < M; m++) for (let i = 0; i < C; i++) cust[i].send(JSON.stringify({ type: 'message', client_id: `m${m}`, text: `message ${m} of customer ${i}` }));
await done;
const cpu1 = stat(), t1 = Date.now();
console.log(`${want} messages (stored, published, echoed to the sender, 2 agents each): ${(want / ((t1 - t0) / 1000)).toFixed(0)} msg/s, hilo CPU ${((cpu1 - cpu0) * 1000 / want).toFixed(1)} µs per message`);
hilo.kill('SIGTERM');
hilo.on('exit', () => { redis.kill('SIGTERM'); process.exit(0); });
