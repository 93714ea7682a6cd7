// A small TCP proxy for fault tests: hilo talks to Redis through it, and the
// test breaks the links on purpose (reset, stall, drop-after-accept).
//
//   startProxy({targetPort, targetHost = '127.0.0.1'}) -> Promise<Proxy>
//     Proxy: {port, url, conns, accepted, dropped, reset(pred?), stall(pred?),
//             stallNew(pred?), unstall(), dropAfterAccept(on, {afterData}?),
//             waitFor(check, ms), close()}
//       url: redis://127.0.0.1:<port>, to pass as hilo's --redis-url.
//       conns: the live connections; each Conn is {id, sent, recv,
//       subscriber, stalled}: `sent` is the start (4 KiB) of what the client
//       sent, `recv` how many bytes were passed to it, and `subscriber` is
//       true once it sent SUBSCRIBE (the pub/sub link). Ids grow.
//       reset(pred): sends a TCP RST to the client side of every live
//       connection matching pred (all by default) and closes its upstream.
//       Returns how many were reset.
//       stall(pred): from now on nothing flows either way on the matching
//       live connections (data is held, nothing is closed). stallNew(pred)
//       does the same to new connections that match pred when their first
//       bytes arrive (e.g. every new command link). unstall() ends both and
//       lets everything held flow.
//       dropAfterAccept(on, {afterData = false}): while on, every new
//       connection is reset right after it is accepted (afterData: once the
//       client has sent its first bytes, so that it certainly waits for a
//       reply, as when a server drops a client it refuses).
//       accepted / dropped: counts of connections accepted / reset that way.
//       waitFor(check, ms): resolves once check(proxy) is true (polled on
//       every proxy event), rejects after ms.
//       dropMessages(on): while on, every pub/sub "message" push Redis sends
//       to a subscriber connection is parsed out of the stream and dropped
//       (the rest of the stream, e.g. SUBSCRIBE replies, flows): the link
//       stays up and healthy but hears nothing. droppedMessages counts them.
//   Everything is on loopback; close() resets every connection and stops.
import net from 'node:net';

const MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n');

// End offset of the RESP value at off in buf, or -1 when it is incomplete.
function respEnd(buf, off) {
  if (off >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', off);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[off]);
  if (type === '+' || type === '-' || type === ':') return eol + 2;
  const n = parseInt(buf.toString('latin1', off + 1, eol), 10);
  if (type === '$') {
    if (n < 0) return eol + 2;
    return eol + 2 + n + 2 <= buf.length ? eol + 2 + n + 2 : -1;
  }
  if (type === '*') {
    let at = eol + 2;
    for (let i = 0; i < n; i++) {
      at = respEnd(buf, at);
      if (at < 0) return -1;
    }
    return at;
  }
  return eol + 2;
}

export async function startProxy({ targetPort, targetHost = '127.0.0.1' }) {
  const conns = new Set();
  const waiters = new Set();
  let drop = null;
  let stallNew = null;
  let nextId = 1;
  const p = { conns, accepted: 0, dropped: 0, droppedMessages: 0 };
  let dropMsgs = false;

  const changed = () => {
    for (const w of waiters) {
      let ok = false;
      try { ok = w.check(p); } catch (e) { w.reject(e); waiters.delete(w); continue; }
      if (ok) { w.resolve(); waiters.delete(w); }
    }
  };

  const kill = (conn) => {
    if (conn.dead) return;
    conn.dead = true;
    conns.delete(conn);
    try { conn.client.resetAndDestroy(); } catch { conn.client.destroy(); }
    if (conn.upstream) conn.upstream.destroy();
  };

  const server = net.createServer((client) => {
    p.accepted++;
    client.setNoDelay(true);
    const conn = { id: nextId++, client, upstream: null, sent: '', recv: 0, stalled: false, held: [], dead: false };
    Object.defineProperty(conn, 'subscriber', { get: () => /SUBSCRIBE/i.test(conn.sent) });
    if (drop && !drop.afterData) {
      p.dropped++;
      conn.dead = true;
      client.resetAndDestroy();
      changed();
      return;
    }
    conns.add(conn);
    const upstream = net.connect(targetPort, targetHost);
    upstream.setNoDelay(true);
    conn.upstream = upstream;
    // Each direction: forward, or hold while stalled.
    const pass = (to, from) => (data) => {
      if (conn.dead) return;
      if (conn.stalled) conn.held.push([to, data]);
      else to.write(data);
    };
    client.on('data', (data) => {
      const first = conn.sent.length === 0;
      if (conn.sent.length < 4096) conn.sent += data.toString('latin1').slice(0, 4096 - conn.sent.length);
      if (drop && drop.afterData) {
        p.dropped++;
        kill(conn);
        changed();
        return;
      }
      if (first && stallNew && stallNew(conn)) conn.stalled = true;
      pass(upstream, client)(data);
      changed();
    });
    upstream.on('data', (data) => {
      if (conn.dead) return;
      if ((dropMsgs && conn.subscriber) || conn.rbuf) {
        // Once filtered, a connection's stream is parsed for good (a value
        // may be split across chunks).
        conn.rbuf = conn.rbuf ? Buffer.concat([conn.rbuf, data]) : data;
        const out = [];
        let end;
        while ((end = respEnd(conn.rbuf, 0)) > 0) {
          const v = conn.rbuf.subarray(0, end);
          conn.rbuf = conn.rbuf.subarray(end);
          if (dropMsgs && v.subarray(0, MESSAGE.length).equals(MESSAGE)) p.droppedMessages++;
          else out.push(v);
        }
        if (!out.length) { changed(); return; }
        data = Buffer.concat(out);
      }
      if (conn.stalled) { conn.held.push([client, data]); return; }
      conn.recv += data.length;
      client.write(data);
      changed();
    });
    const end = () => { if (!conn.dead) { kill(conn); changed(); } };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    changed();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  p.port = server.address().port;
  p.url = `redis://127.0.0.1:${p.port}`;

  p.reset = (pred = () => true) => {
    let n = 0;
    for (const conn of [...conns]) if (pred(conn)) { kill(conn); n++; }
    changed();
    return n;
  };
  p.stall = (pred = () => true) => {
    let n = 0;
    for (const conn of conns) if (pred(conn)) { conn.stalled = true; n++; }
    return n;
  };
  p.stallNew = (pred = () => true) => { stallNew = pred; };
  p.unstall = () => {
    stallNew = null;
    for (const conn of conns) {
      conn.stalled = false;
      for (const [to, data] of conn.held.splice(0)) {
        if (to === conn.client) conn.recv += data.length;
        to.write(data);
      }
    }
    changed();
  };
  p.dropAfterAccept = (on, { afterData = false } = {}) => {
    drop = on ? { afterData } : null;
  };
  p.dropMessages = (on) => { dropMsgs = !!on; };
  p.waitFor = (check, ms = 10000) => new Promise((resolve, reject) => {
    if (check(p)) { resolve(); return; }
    const w = { check, resolve, reject };
    const t = setTimeout(() => {
      waiters.delete(w);
      reject(new Error(`proxy: condition not met within ${ms} ms (accepted ${p.accepted}, dropped ${p.dropped}, live ${conns.size})`));
    }, ms);
    w.resolve = () => { clearTimeout(t); resolve(); };
    w.reject = (e) => { clearTimeout(t); reject(e); };
    waiters.add(w);
  });
  p.close = async () => {
    drop = null;
    stallNew = null;
    for (const conn of [...conns]) kill(conn);
    await new Promise((resolve) => server.close(() => resolve()));
  };
  return p;
}
