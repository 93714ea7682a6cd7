// Fake messaging providers for the channel tests, plus helpers that sign and
// post provider webhooks to Hilo.
//
//   startFakeProvider({whatsappToken, phoneNumberId, twilioSid, twilioToken,
//                      smtp = true}) -> Promise<Fake>
//     One loopback HTTP server standing in for the Meta Graph API
//     (POST /<version>/<phone-number-id>/messages) and the Twilio REST API
//     (POST /2010-04-01/Accounts/<sid>/Messages.json), and an in-process SMTP
//     sink (smtp-server + mailparser, STARTTLS not offered, AUTH optional).
//     Every request is checked the way the real API checks it; bad ones get the
//     provider's real error shape and land in fake.rejected.
//
//   Fake: {port, url, whatsappBase (url + '/v21.0'), twilioBase (url),
//          smtpPort, smtpUrl,
//          whatsapp: [Req], twilio: [Req]   accepted requests (answered 2xx)
//          attempts: {whatsapp: [Req], twilio: [Req], smtp: [Att], smtpAuth: [{user}]} every
//                    well-formed request, including the ones failed on purpose
//          rejected: [Req]                  requests refused as malformed/unauthorised
//          mails: [Mail]                    accepted messages
//          fail(provider, n, status = 500)  next n well-formed requests fail
//                                           (smtp: status 451 or 5xx reply code)
//          rateLimit(provider, n = 1, retryAfter = 1)   429 + Retry-After
//          permanent(provider)              every request fails permanently
//                                           (Graph 131047 / Twilio 21211 / SMTP 550) until heal()
//          windowClosed(n = 1)              the next n free-form (non-template) Graph
//                                           sends fail with 131047; templates pass
//          hang(provider)                   never answer until heal()
//          heal(provider?)                  back to normal
//          noId(provider, n = 1)            next n accepted requests answer 2xx without a
//                                           message id (Graph: no messages[]; Twilio: no sid)
//          silent(provider, n = 1)          next n requests are accepted (listed in
//                                           whatsapp/twilio, found by the Twilio look-up) and
//                                           never answered: the sender times out
//          twilioLookups: [Req]             GET .../Messages.json list requests (To, From,
//                                           DateSent>=, PageSize filters; newest first)
//          waitFor(list, pred?, count = 1, ms = 15000) -> Promise<items>
//          close()}
//   Req: {provider, method, path, headers, raw, body (parsed JSON or form object),
//         at (ms), answer: {status, body}}
//   Mail: {envelope: {mailFrom, rcptTo: [addr]}, raw, parsed (mailparser), at}
//
// Webhook helpers (Hilo side):
//   waSign(secret, raw), waPost(hilo, bodyOrRaw, {secret, signature}),
//   waText({...}), waEnvelope(changes), twSign(...), twPost(hilo, path, params, {...}),
//   mgPost(hilo, fields, {...}), formatRef(ref), digits(s)

import http from 'node:http';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { freePort, sleep } from './harness.mjs';

const require = createRequire(import.meta.url);
const twilio = require('twilio');

let seq = 0;
const hex = (n) => crypto.randomBytes(n).toString('hex');
const graphError = (code, message, type = 'OAuthException', extra = {}) => ({
  error: { message, type, code, ...extra, fbtrace_id: 'A' + hex(8) },
});
const twilioError = (code, message, status) => ({
  code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status,
});

export async function startFakeProvider({
  whatsappToken = 'watoken', phoneNumberId = '106540352242922',
  twilioSid = 'AC' + 'a1b2c3d4'.repeat(4), twilioToken = 'twtoken', smtp = true,
} = {}) {
  const f = {
    whatsapp: [], twilio: [], mails: [], rejected: [],
    attempts: { whatsapp: [], twilio: [], smtp: [], smtpAuth: [] },
    modes: { whatsapp: [], twilio: [], smtp: [] }, // queue of one-shot modes
    sticky: { whatsapp: null, twilio: null, smtp: null },
    waiters: [], sockets: new Set(), hung: [],
    waTemplates: null, // {"name:lang": body parameter count}: templates "approved at Meta"
    config: { whatsappToken, phoneNumberId, twilioSid, twilioToken },
  };
  const notify = () => {
    for (const w of f.waiters.slice()) {
      const got = w.list.filter(w.pred);
      if (got.length >= w.count) { f.waiters.splice(f.waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(got); }
    }
  };
  f.waitFor = (list, pred = () => true, count = 1, ms = 15000) => new Promise((resolve, reject) => {
    const w = { list, pred, count, resolve };
    w.timer = setTimeout(() => {
      f.waiters.splice(f.waiters.indexOf(w), 1);
      reject(new Error(`fake provider: timed out after ${ms} ms waiting for ${count} matching item(s); have ${list.filter(pred).length}; `
        + `rejected: ${JSON.stringify(f.rejected.map((r) => ({ path: r.path, answer: r.answer })))}`));
    }, ms);
    f.waiters.push(w);
    notify();
  });
  f.fail = (p, n, status) => { for (let i = 0; i < n; i++) f.modes[p].push({ kind: 'fail', status }); };
  f.rateLimit = (p, n = 1, retryAfter = 1) => { for (let i = 0; i < n; i++) f.modes[p].push({ kind: 'rate', retryAfter }); };
  f.permanent = (p) => { f.sticky[p] = { kind: 'permanent' }; };
  f.hang = (p) => { f.sticky[p] = { kind: 'hang' }; };
  f.noId = (p, n = 1) => { for (let i = 0; i < n; i++) f.modes[p].push({ kind: 'noid' }); };
  f.silent = (p, n = 1) => { for (let i = 0; i < n; i++) f.modes[p].push({ kind: 'silent' }); };
  f.closedLeft = 0;
  f.windowClosed = (n = 1) => { f.closedLeft += n; };
  f.twilioLookups = [];
  f.twilioStore = []; // message resources Twilio holds (accepted, answered or not), oldest first
  f.heal = (p) => {
    for (const k of p ? [p] : Object.keys(f.sticky)) { f.sticky[k] = null; f.modes[k] = []; }
  };
  const takeMode = (p) => f.sticky[p] ?? f.modes[p].shift() ?? null;

  // ------------------------------------------------------------ HTTP
  const reply = (res, req, status, body, headers = {}) => {
    req.answer = { status, body };
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  function handleWhatsApp(req, res, r, m) {
    const auth = req.headers.authorization ?? '';
    const reject = (status, body) => { reply(res, r, status, body); f.rejected.push(r); notify(); };
    if (!/^Bearer /.test(auth)) {
      return reject(401, graphError(2500, 'An active access token must be used to query information about the current user.'));
    }
    if (auth !== `Bearer ${whatsappToken}`) {
      return reject(401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    if (m[1] !== phoneNumberId) {
      return reject(400, graphError(100, `Unsupported post request. Object with ID '${m[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, 'GraphMethodException', { error_subcode: 33 }));
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return reject(400, graphError(100, '(#100) The parameter messaging_product is required.'));
    }
    let b;
    try { b = JSON.parse(r.raw); } catch { return reject(400, graphError(100, '(#100) Invalid parameter')); }
    r.body = b;
    if (!b || typeof b !== 'object' || b.messaging_product !== 'whatsapp') {
      return reject(400, graphError(100, '(#100) The parameter messaging_product is required.'));
    }
    // a business-scoped user id (BSUID) goes in "recipient" when "to" (a
    // phone number, which would take precedence) is absent
    const bsuidOnly = b.to === undefined && typeof b.recipient === 'string';
    if (bsuidOnly && !/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,64}$/.test(b.recipient)) {
      return reject(400, graphError(100, '(#100) Invalid parameter', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Invalid parameter: recipient' } }));
    }
    if (!bsuidOnly && (typeof b.to !== 'string' || !/^\+?[1-9]\d{6,14}$/.test(b.to))) {
      return reject(400, graphError(100, '(#100) Invalid parameter', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Invalid parameter: to' } }));
    }
    const type = b.type ?? 'text';
    if (type === 'text') {
      if (!b.text || typeof b.text.body !== 'string' || b.text.body.length === 0) {
        return reject(400, graphError(100, '(#100) The parameter text[\'body\'] is required.'));
      }
      if ([...b.text.body].length > 4096) {
        return reject(400, graphError(100, '(#100) Param text[\'body\'] must be at most 4096 characters long.'));
      }
    } else if (type === 'template') {
      if (!b.template || typeof b.template.name !== 'string' || !b.template.language || typeof b.template.language.code !== 'string') {
        return reject(400, graphError(100, '(#100) The parameter template[\'name\'] is required.'));
      }
      // what the Cloud API requires of a template message: known keys,
      // components of a known type, text parameters that are not empty and
      // have no newline, tab or more than four spaces in a row; with
      // f.waTemplates ({"name:lang": number of body parameters}) set, the
      // template must exist and the count match, as in WhatsApp Manager
      const t = b.template;
      const badKey = Object.keys(t).find((k) => !['name', 'language', 'components', 'namespace'].includes(k));
      if (badKey) return reject(400, graphError(100, `(#100) Param template['${badKey}'] is not a valid parameter`));
      if (Object.keys(t.language).some((k) => !['code', 'policy'].includes(k)) || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(t.language.code)) {
        return reject(400, graphError(100, '(#100) Invalid parameter: template[\'language\']'));
      }
      const comps = t.components ?? [];
      if (!Array.isArray(comps) || comps.some((c) => !c || !['header', 'body', 'button', 'footer'].includes(c.type) || (c.parameters !== undefined && !Array.isArray(c.parameters)))) {
        return reject(400, graphError(100, '(#100) Invalid parameter: template[\'components\']'));
      }
      const bodyParams = comps.filter((c) => c.type === 'body').flatMap((c) => c.parameters ?? []);
      for (const p of bodyParams) {
        if (!p || p.type !== 'text' || typeof p.text !== 'string' || p.text.length === 0) {
          return reject(400, graphError(100, '(#100) Invalid parameter: parameters[\'text\']'));
        }
        if (/[\n\t]| {5}/.test(p.text)) {
          return reject(400, graphError(132018, '(#132018) There was an issue with the parameters in your template.', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces' } }));
        }
      }
      if (f.waTemplates) {
        const want = f.waTemplates[`${t.name}:${t.language.code}`];
        if (want === undefined) {
          return reject(404, graphError(132001, '(#132001) Template name does not exist in the translation', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: `template name (${t.name}) does not exist in ${t.language.code}` } }));
        }
        if (bodyParams.length !== want) {
          return reject(400, graphError(132000, '(#132000) Number of parameters does not match the expected number of params', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: `body: number of localizable_params (${bodyParams.length}) does not match the expected number of params (${want})` } }));
        }
      }
    } else if (type === 'interactive') {
      // reply buttons: 1-3, ids up to 256 and titles up to 20 characters, unique
      const it = b.interactive, bs = it?.action?.buttons;
      const ok = it && it.type === 'button' && typeof it.body?.text === 'string' && it.body.text.length > 0
        && [...it.body.text].length <= 1024 && Array.isArray(bs) && bs.length >= 1 && bs.length <= 3
        && bs.every((x) => x.type === 'reply' && typeof x.reply?.id === 'string' && x.reply.id.length > 0
          && x.reply.id.length <= 256 && typeof x.reply?.title === 'string' && x.reply.title.length > 0
          && [...x.reply.title].length <= 20)
        && new Set(bs.map((x) => x.reply.id)).size === bs.length;
      if (!ok) return reject(400, graphError(100, '(#100) Invalid parameter: interactive'));
    } else {
      return reject(400, graphError(100, `(#100) Param type must be one of {TEXT, TEMPLATE}, got ${type}`));
    }
    f.attempts.whatsapp.push(r); notify();
    if (f.closedLeft > 0 && type !== 'template') {
      f.closedLeft--;
      return reply(res, r, 400, graphError(131047, '(#131047) Re-engagement message', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }));
    }
    const mode = takeMode('whatsapp');
    if (mode?.kind === 'hang') { f.hung.push(res); return; }
    if (mode?.kind === 'fail') return reply(res, r, mode.status ?? 500, graphError(1, '(#1) An unknown error occurred', 'OAuthException', { is_transient: true }));
    if (mode?.kind === 'rate') {
      return reply(res, r, 429, graphError(130429, '(#130429) Rate limit hit', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' } }), { 'retry-after': String(mode.retryAfter) });
    }
    if (mode?.kind === 'permanent') {
      return reply(res, r, 400, graphError(131047, '(#131047) Re-engagement message', 'OAuthException', { error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }));
    }
    const id = 'wamid.' + Buffer.from(`HBgL${Date.now()}${++seq}${hex(8)}`).toString('base64').replace(/=+$/, '');
    r.providerId = id;
    if (mode?.kind === 'silent') { f.whatsapp.push(r); notify(); f.hung.push(res); return; }
    if (mode?.kind === 'noid') {
      reply(res, r, 200, { messaging_product: 'whatsapp', contacts: [bsuidOnly ? { input: b.recipient, user_id: b.recipient } : { input: b.to, wa_id: b.to.replace(/^\+/, '') }] });
      f.whatsapp.push(r); notify(); return;
    }
    reply(res, r, 200, {
      messaging_product: 'whatsapp',
      contacts: [bsuidOnly ? { input: b.recipient, user_id: b.recipient } : { input: b.to, wa_id: b.to.replace(/^\+/, '') }],
      messages: [{ id }],
    });
    f.whatsapp.push(r); notify();
  }

  function handleTwilio(req, res, r, m) {
    const reject = (status, body) => { reply(res, r, status, body); f.rejected.push(r); notify(); };
    const auth = req.headers.authorization ?? '';
    const expected = 'Basic ' + Buffer.from(`${twilioSid}:${twilioToken}`).toString('base64');
    if (auth !== expected || m[1] !== twilioSid) return reject(401, twilioError(20003, 'Authenticate', 401));
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      return reject(400, twilioError(21604, "A 'To' phone number is required.", 400));
    }
    const params = {};
    for (const [k, v] of new URLSearchParams(r.raw)) params[k] = v;
    r.body = params;
    const isPhone = (s) => /^(whatsapp:)?\+[1-9]\d{6,14}$/.test(s ?? '');
    if (!params.To) return reject(400, twilioError(21604, "A 'To' phone number is required.", 400));
    if (!params.From && !params.MessagingServiceSid) return reject(400, twilioError(21603, "A 'From' phone number is required.", 400));
    if (!params.Body && !params.MediaUrl && !params.ContentSid) return reject(400, twilioError(21602, 'Message body is required.', 400));
    if (params.ContentSid !== undefined) {
      // a Content template: HX and 32 hex digits; ContentVariables a JSON
      // object of string values keyed "1", "2", …
      if (!/^HX[0-9a-fA-F]{32}$/.test(params.ContentSid)) return reject(400, twilioError(21655, 'The ContentSid is Invalid', 400));
      let vars = {};
      try { vars = params.ContentVariables === undefined ? {} : JSON.parse(params.ContentVariables); } catch { vars = null; }
      if (!vars || typeof vars !== 'object' || Array.isArray(vars)
        || Object.entries(vars).some(([k, v]) => !/^[1-9]\d*$/.test(k) || typeof v !== 'string')) {
        return reject(400, twilioError(21656, 'The ContentVariables Parameter is invalid', 400));
      }
    }
    if (!isPhone(params.To)) return reject(400, twilioError(21211, `The 'To' number ${params.To} is not a valid phone number.`, 400));
    if (params.From && !isPhone(params.From)) return reject(400, twilioError(21212, `The 'From' number ${params.From} is not a valid phone number, shortcode, or alphanumeric sender ID.`, 400));
    if (params.From && params.To.startsWith('whatsapp:') !== params.From.startsWith('whatsapp:')) {
      return reject(400, twilioError(21910, 'Invalid From and To pair. From and To should be of the same channel', 400));
    }
    if ([...(params.Body ?? '')].length > 1600) return reject(400, twilioError(21617, 'The concatenated message body exceeds the 1600 character limit.', 400));
    f.attempts.twilio.push(r); notify();
    const mode = takeMode('twilio');
    if (mode?.kind === 'hang') { f.hung.push(res); return; }
    if (mode?.kind === 'fail') return reply(res, r, mode.status ?? 500, twilioError(20500, 'Internal Server Error', mode.status ?? 500));
    if (mode?.kind === 'rate') return reply(res, r, 429, twilioError(20429, 'Too Many Requests', 429), { 'retry-after': String(mode.retryAfter) });
    if (mode?.kind === 'permanent') return reply(res, r, 400, twilioError(21211, `The 'To' number ${params.To} is not a valid phone number.`, 400));
    const sid = 'SM' + hex(16);
    r.providerId = sid;
    const now = new Date().toUTCString().replace('GMT', '+0000');
    const resource = {
      account_sid: twilioSid, api_version: '2010-04-01', body: params.Body ?? '', date_created: now, date_sent: null,
      date_updated: now, direction: 'outbound-api', error_code: null, error_message: null, from: params.From ?? null,
      messaging_service_sid: params.MessagingServiceSid ?? null, num_media: '0', num_segments: '1', price: null, price_unit: 'USD',
      sid, status: 'queued', subresource_uris: { media: `/2010-04-01/Accounts/${twilioSid}/Messages/${sid}/Media.json` },
      to: params.To, uri: `/2010-04-01/Accounts/${twilioSid}/Messages/${sid}.json`,
    };
    f.twilioStore.push({ ...resource, date_sent: now, status: 'sent', at: Date.now() });
    if (mode?.kind === 'silent') { f.twilio.push(r); notify(); f.hung.push(res); return; }
    if (mode?.kind === 'noid') { const { sid: _s, ...rest } = resource; reply(res, r, 201, rest); f.twilio.push(r); notify(); return; }
    reply(res, r, 201, resource);
    f.twilio.push(r); notify();
  }

  // GET Messages.json: the account's messages, newest first, filtered the
  // way Twilio filters (To, From exact; DateSent>= a YYYY-MM-DD day, UTC).
  function handleTwilioList(req, res, r, m, url) {
    const auth = req.headers.authorization ?? '';
    const expected = 'Basic ' + Buffer.from(`${twilioSid}:${twilioToken}`).toString('base64');
    if (auth !== expected || m[1] !== twilioSid) { reply(res, r, 401, twilioError(20003, 'Authenticate', 401)); f.rejected.push(r); notify(); return; }
    const q = url.searchParams;
    r.body = Object.fromEntries(q);
    const size = Math.min(1000, Math.max(1, Number(q.get('PageSize') ?? 50)));
    const day = q.get('DateSent>=');
    const list = f.twilioStore.filter((x) => (!q.get('To') || x.to === q.get('To')) && (!q.get('From') || x.from === q.get('From'))
      && (!day || new Date(x.at).toISOString().slice(0, 10) >= day)).reverse().slice(0, size)
      .map(({ at: _a, ...x }) => x);
    reply(res, r, 200, {
      messages: list, end: list.length ? list.length - 1 : 0, first_page_uri: url.pathname + url.search, next_page_uri: null,
      page: 0, page_size: size, previous_page_uri: null, start: 0, uri: url.pathname + url.search,
    });
    f.twilioLookups.push(r); notify();
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://x');
      const r = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, raw, body: null, at: Date.now(), answer: null };
      let m;
      if ((m = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(url.pathname))) {
        r.provider = 'whatsapp';
        if (req.method !== 'POST') { reply(res, r, 400, graphError(100, 'Unsupported get request.', 'GraphMethodException')); f.rejected.push(r); return; }
        return handleWhatsApp(req, res, r, m);
      }
      if ((m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname))) {
        r.provider = 'twilio';
        if (req.method === 'GET') return handleTwilioList(req, res, r, m, url);
        if (req.method !== 'POST') { reply(res, r, 405, twilioError(20004, 'Method not allowed', 405)); f.rejected.push(r); return; }
        return handleTwilio(req, res, r, m);
      }
      r.provider = url.pathname.startsWith('/2010-04-01') ? 'twilio' : 'unknown';
      reply(res, r, 404, r.provider === 'twilio'
        ? twilioError(20404, `The requested resource ${url.pathname} was not found`, 404)
        : graphError(803, `(#803) Some of the aliases you requested do not exist: ${url.pathname}`));
      f.rejected.push(r); notify();
    });
  });
  server.on('connection', (s) => { f.sockets.add(s); s.on('close', () => f.sockets.delete(s)); });
  f.port = await freePort();
  await new Promise((resolve) => server.listen(f.port, '127.0.0.1', resolve));
  f.url = `http://127.0.0.1:${f.port}`;
  f.whatsappBase = `${f.url}/v21.0`;
  f.twilioBase = f.url;

  // ------------------------------------------------------------ SMTP
  let smtpServer = null;
  if (smtp) {
    const smtpErr = (code, msg) => Object.assign(new Error(msg), { responseCode: code });
    smtpServer = new SMTPServer({
      disabledCommands: ['STARTTLS'], authOptional: true, allowInsecureAuth: true, logger: false, banner: 'fake smtp sink',
      size: 10 << 20,
      onAuth(auth, session, cb) { f.attempts.smtpAuth.push({ user: auth.username, at: Date.now() }); notify(); cb(null, { user: auth.username }); },
      onData(stream, session, cb) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks);
          const att = { envelope: { mailFrom: session.envelope.mailFrom?.address ?? '', rcptTo: session.envelope.rcptTo.map((x) => x.address) }, raw: raw.toString('utf8'), at: Date.now() };
          f.attempts.smtp.push(att); notify();
          const mode = takeMode('smtp');
          if (mode?.kind === 'fail') return cb(smtpErr(mode.status ?? 451, mode.status >= 500 ? 'Requested action not taken' : 'Temporary local problem, try again later'));
          if (mode?.kind === 'rate') return cb(smtpErr(421, 'Too many messages, slow down'));
          if (mode?.kind === 'permanent') return cb(smtpErr(550, 'No such user here'));
          if (mode?.kind === 'hang') return; // never answer
          if (mode?.kind === 'silent') { // keep it, never answer
            try { att.parsed = await simpleParser(raw); } catch (e) { att.parseError = e; }
            f.mails.push(att); notify(); return;
          }
          try { att.parsed = await simpleParser(raw); } catch (e) { att.parseError = e; }
          f.mails.push(att); notify();
          cb(null, 'Queued as ' + hex(6));
        });
      },
    });
    smtpServer.on('error', () => {});
    f.smtpPort = await freePort();
    await new Promise((resolve) => smtpServer.listen(f.smtpPort, '127.0.0.1', resolve));
    f.smtpUrl = `smtp://127.0.0.1:${f.smtpPort}`;
  }

  f.close = async () => {
    for (const w of f.waiters.splice(0)) clearTimeout(w.timer);
    for (const s of f.sockets) s.destroy();
    await new Promise((r) => server.close(() => r()));
    if (smtpServer) await new Promise((r) => smtpServer.close(() => r()));
  };
  return f;
}

// ---------------------------------------------------------------- helpers

export const digits = (s) => String(s ?? '').replace(/\D/g, '');
export const formatRef = (ref) => `${ref.slice(0, 4)} ${ref.slice(4)}`;

// Args for startHilo wiring every channel to the fake (pick with `only`).
export function channelArgs(fake, {
  only = ['whatsapp', 'twilio', 'email'], publicUrl = 'http://hilo.test', waSecret = 'appsecret', verifyToken = 'vt',
  twilioFrom = '+14155550199', twilioWaFrom = 'whatsapp:+14155238886', mgKey = 'mgkey',
  attempts = 3, backoffMs = 200, timeoutMs = 1500,
} = {}) {
  const a = ['--public-url', publicUrl];
  if (only.includes('whatsapp')) {
    a.push('--whatsapp-verify-token', verifyToken, '--whatsapp-app-secret', waSecret,
      '--whatsapp-token', fake.config.whatsappToken, '--whatsapp-phone-number-id', fake.config.phoneNumberId,
      '--whatsapp-api-base', fake.whatsappBase);
  }
  if (only.includes('twilio')) {
    a.push('--twilio-account-sid', fake.config.twilioSid, '--twilio-auth-token', fake.config.twilioToken,
      '--twilio-from', twilioFrom, '--twilio-whatsapp-from', twilioWaFrom, '--twilio-api-base', fake.twilioBase);
  }
  if (only.includes('email')) {
    // the sink offers no STARTTLS: plain SMTP must be allowed explicitly
    a.push('--mailgun-signing-key', mgKey, '--smtp-url', fake.smtpUrl, '--smtp-plain', '1', '--support-email', 'support@example.com');
  }
  a.push('--outbox-backoff-ms', String(backoffMs), '--outbox-attempts', String(attempts), '--http-timeout-ms', String(timeoutMs));
  return a;
}

async function post(url, body, headers) {
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(8000) });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, body: text, json };
}

// WhatsApp Cloud API webhooks.
export const waSign = (secret, raw) => 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex');
export async function waPost(hilo, payload, { secret = 'appsecret', signature } = {}) {
  const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = { 'content-type': 'application/json' };
  if (signature !== null) headers['x-hub-signature-256'] = signature ?? waSign(secret, raw);
  return post(hilo.url + '/webhooks/whatsapp', raw, headers);
}
export const waEnvelope = (changes, wabaId = '102290129340398') => ({
  object: 'whatsapp_business_account', entry: [{ id: wabaId, changes }],
});
export const waMeta = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
// One change with inbound messages; msgs: [{from, id?, type?, text?, ...payload}]
export function waMessages(msgs, { name = 'Sheena Nelson' } = {}) {
  const froms = [...new Set(msgs.map((m) => m.from))];
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp', metadata: waMeta,
      contacts: froms.map((wa) => ({ profile: { name }, wa_id: wa })),
      messages: msgs.map((m) => {
        const { text, ...rest } = m;
        const o = { id: m.id ?? newWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: m.type ?? 'text', ...rest };
        if (o.type === 'text' && o.text === undefined) o.text = { body: text };
        return o;
      }),
    },
  };
}
export const waStatuses = (statuses) => ({
  field: 'messages',
  value: {
    messaging_product: 'whatsapp', metadata: waMeta,
    statuses: statuses.map((s) => ({ timestamp: String(Math.floor(Date.now() / 1000)), ...s })),
  },
});
export const newWamid = () => 'wamid.' + Buffer.from('HBgL' + hex(20)).toString('base64').replace(/=+$/, '');

// Twilio webhooks (form-encoded, X-Twilio-Signature over publicUrl + path).
export const twSign = (token, url, params) => twilio.getExpectedTwilioSignature(token, url, params);
export async function twPost(hilo, path, params, { token = 'twtoken', publicUrl = 'http://hilo.test', signature } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['x-twilio-signature'] = signature ?? twSign(token, publicUrl + path, params);
  return post(hilo.url + path, new URLSearchParams(params).toString(), headers);
}
export const newSid = (p = 'SM') => p + hex(16);

// Mailgun route forward() (urlencoded, or multipart with {multipart:true}).
export function mgSign(key, timestamp, token) {
  return crypto.createHmac('sha256', key).update(String(timestamp) + token).digest('hex');
}
export async function mgPost(hilo, fields, { key = 'mgkey', timestamp, token, signature, multipart = false, sign = true } = {}) {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const tok = token ?? hex(25);
  const all = { ...fields };
  if (sign) Object.assign(all, { timestamp: ts, token: tok, signature: signature ?? mgSign(key, ts, tok) });
  if (multipart) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(all)) fd.append(k, v);
    return post(hilo.url + '/webhooks/email', fd, {});
  }
  return post(hilo.url + '/webhooks/email', new URLSearchParams(all).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}
// Mailgun event webhook (JSON, the signature inside: {"signature", "event-data"}).
export async function mgEventPost(hilo, eventData, { key = 'mgkey', timestamp, token, signature } = {}) {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const tok = token ?? hex(25);
  const body = JSON.stringify({ signature: { timestamp: ts, token: tok, signature: signature ?? mgSign(key, ts, tok) }, 'event-data': eventData });
  return post(hilo.url + '/webhooks/email/events', body, { 'content-type': 'application/json' });
}
// Mailgun fields for one email.
export function mgEmail({ from, to = 'support@example.com', subject = 'Help', text, messageId, inReplyTo, references, extraHeaders = [], sender, contentType = 'text/plain; charset="utf-8"' }) {
  const mid = messageId ?? `<${hex(8)}@mail.example.net>`;
  const addr = sender ?? /<([^>]+)>/.exec(from)?.[1] ?? from;
  const headers = [['Received', 'by mx.example.com'], ['From', from], ['To', to], ['Subject', subject],
    ['Date', new Date().toUTCString()], ['Message-Id', mid], ['Mime-Version', '1.0'],
    ['Content-Type', contentType]];
  if (inReplyTo) headers.push(['In-Reply-To', inReplyTo]);
  if (references) headers.push(['References', references]);
  headers.push(...extraHeaders);
  return {
    fields: {
      recipient: to, sender: addr, from, subject, 'body-plain': text,
      'message-headers': JSON.stringify(headers), 'Message-Id': mid,
    },
    messageId: mid,
  };
}

// Redis snapshot: sorted key list (for "nothing stored").
export async function redisKeys(redis) {
  return (await redis.cli('--scan')).split('\n').filter(Boolean).sort();
}
export { sleep };

// ---------------------------------------------------------------- Hilo-side test helpers
export const isEv = (kind, pred = () => true) => (f) => f.type === 'event' && f.event.kind === kind && pred(f.event);
export const isDelivery = (eventId, status) => (f) => f.type === 'delivery' && f.event_id === eventId && (!status || f.status === status);
export const isTicket = (pred) => (f) => f.type === 'ticket' && pred(f.ticket);

// Repeats fn() (a webhook post) while it answers 503 or fails to connect; returns the first other answer.
export async function retryWhile503(fn, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = { status: `error ${e.message}` }; }
    if (last.status !== 503 && typeof last.status === 'number') return last;
    if (Date.now() > deadline) return last;
    await sleep(200);
  }
}

export async function loginCookie(hilo, name, password) {
  const res = await fetch(hilo.url + '/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }),
  });
  await res.text();
  const m = /^hilo_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  if (!m) throw new Error(`login ${name}: ${res.status}, no cookie`);
  return `hilo_session=${m[1]}`;
}

// Damm check digit (same table as src/domain/ref.c) and a search for valid
// references (8 or 9 digits, spaces/dashes/commas/dots allowed) in a text.
const DAMM = [[0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0]];
export const dammOk = (d) => [...d].reduce((i, c) => DAMM[i][+c], 0) === 0;
export function findRefs(text) {
  const out = [];
  for (const m of String(text).matchAll(/\d(?:[\s,.\-]*\d)+/g)) {
    const d = m[0].replace(/\D/g, '');
    if ((d.length === 8 || d.length === 9) && dammOk(d)) out.push(d);
  }
  return out;
}
// Text of every <Say> in a TwiML document (loose regex parse).
export const says = (xml) => [...String(xml).matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => m[1]).join(' ');
// Attribute of the first <verb> in a TwiML document, entity-decoded.
export function twimlAttr(xml, verb, attr) {
  const m = new RegExp(`<${verb}\\b([^>]*)>`).exec(String(xml));
  if (!m) return null;
  const a = new RegExp(`\\b${attr}="([^"]*)"`).exec(m[1]);
  return a ? a[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"') : null;
}
// Path (+query) Twilio would request for a TwiML URL (absolute or relative to publicUrl).
export function twimlPath(url, publicUrl = 'http://hilo.test') {
  const u = new URL(url, publicUrl + '/webhooks/twilio/voice');
  if (u.origin !== new URL(publicUrl).origin) throw new Error(`TwiML points outside the public URL: ${url}`);
  return u.pathname + u.search;
}
