// Files and photos from the widget (issue #13, docs/widget.md "Files and
// photos"): a paperclip button (and pasting or dropping an image) sends one
// image (PNG, JPEG, GIF, WebP) or PDF to POST /api/v1/widget/uploads with the
// visitor token of the welcome frame. Hilo stores it and appends a customer
// message carrying {attachments:[{id,name,mime,size}]} (opening a ticket when
// there is none), which comes back on the socket like any message. Files are fetched with the same token (never
// a bare link: the token does not travel in URLs) and saved as downloads.

import { h } from 'preact';
import { useState, useRef, useEffect } from 'preact/hooks';
import htm from 'htm';
import { newClientId } from './ids.js';

const html = htm.bind(h);

export const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf';
// The server's default --upload-max-bytes; it decides (413 says so).
export const MAX_BYTES = 4 * 1024 * 1024;

const CLIP = html`<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>`;

/** The HTTP(S) URL of a path on the Hilo server the socket goes to. */
export function serverUrl(wsUrl, path) {
  const u = new URL(path, wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.href;
}

/** "1.2 MB", "830 KB", "12 B" */
export function sizeText(n) {
  const v = Number(n) || 0;
  if (v >= 1024 * 1024) return `${(v / (1024 * 1024)).toFixed(1)} MB`;
  if (v >= 1024) return `${Math.round(v / 1024)} KB`;
  return `${v} B`;
}

/** Accepted by its declared type; the server checks the bytes themselves. */
export function acceptable(file) {
  return !!file && ACCEPT.split(',').includes(file.type);
}

/** A signed-in customer's identity (data-identity) as the X-Hilo-Identity
 * header: base64url of its JSON; '' for an anonymous visitor. */
export function identityHeader(identity) {
  if (!identity) return '';
  const bytes = new TextEncoder().encode(JSON.stringify(identity));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Who is asking: the visitor token, and for a signed-in customer the signed
// identity (their token stands for nobody on its own).
function authHeaders(chat) {
  const out = { Authorization: `Bearer ${tokenOf(chat)}` };
  const id = identityHeader(chat.identity);
  if (id) out['X-Hilo-Identity'] = id;
  return out;
}

// Resolves once the socket's welcome gave a token (or after ms).
function untilToken(chat, ms) {
  return new Promise((resolve) => {
    let off = () => {};
    const timer = setTimeout(() => { off(); resolve(); }, ms);
    off = chat.onChange(() => {
      if (tokenOf(chat)) { clearTimeout(timer); off(); resolve(); }
    });
  });
}

const tokenOf = (chat) => {
  const v = chat.store && chat.store.visitor && chat.store.visitor();
  return (v && v.token) || '';
};

/**
 * Sends one file. onProgress(0..1) while it goes; resolves {status, json}
 * (status 0: the network failed).
 */
export function sendFile({ url, headers, file, clientId, locale, onProgress }) {
  return new Promise((resolve) => {
    const q = new URLSearchParams({ name: file.name || '', client_id: clientId });
    if (locale) q.set('locale', locale);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${url}?${q}`);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (xhr.upload && onProgress) {
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    }
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch {}
      resolve({ status: xhr.status, json });
    };
    xhr.onerror = () => resolve({ status: 0, json: null });
    xhr.send(file);
  });
}

/** What to say for a refused or failed upload. */
export function uploadError(res, t) {
  const code = res && res.json && res.json.error && res.json.error.code;
  if (res.status === 413 || code === 'too_large') return t.uploadTooLarge(sizeText((res.json && res.json.error && res.json.error.max_bytes) || MAX_BYTES));
  if (res.status === 415 || code === 'unsupported_media_type') return t.uploadBadType;
  if (code === 'no_ticket') return t.uploadNeedTicket;
  if (code === 'rate_limited') return t.uploadRate;
  return t.uploadFailed;
}

/**
 * The upload state of the composer: {busy, progress, name, error} and
 * start(file). announce() says the outcome to screen readers.
 */
export function useUpload(chat, t, announce) {
  const [st, setSt] = useState({ busy: false, progress: 0, name: '', error: '' });
  const start = async (file) => {
    if (!file || st.busy) return;
    const fail = (msg) => { setSt({ busy: false, progress: 0, name: '', error: msg }); announce(msg); };
    if (!acceptable(file)) return fail(t.uploadBadType);
    if (file.size > MAX_BYTES) return fail(t.uploadTooLarge(sizeText(MAX_BYTES)));
    setSt({ busy: true, progress: 0, name: file.name, error: '' });
    announce(t.uploading(file.name || ''));
    // sending a file is writing: a visitor who only looked (at the hours,
    // hours.js) is kept from now on; a new one has no token until welcome
    if (chat.keepVisitor) chat.keepVisitor();
    if (!tokenOf(chat)) { chat.connect(); await untilToken(chat, 10000); }
    if (!tokenOf(chat)) return fail(t.uploadFailed);
    const res = await sendFile({
      url: serverUrl(chat.wsUrl, '/api/v1/widget/uploads'), headers: authHeaders(chat), file, clientId: newClientId(),
      locale: chat.locale, onProgress: (p) => setSt((s) => ({ ...s, progress: p })),
    });
    if (res.status === 201) {
      // the file opened a conversation (none yet, or the last one closed):
      // say hello again so that this socket follows it
      if (res.json && res.json.ticket && res.json.ticket !== chat.state.ticket) chat.reconnectNow();
      setSt({ busy: false, progress: 0, name: '', error: '' });
      announce(t.uploaded(file.name || ''));
    } else {
      fail(uploadError(res, t));
    }
  };
  const clear = () => setSt((s) => ({ ...s, error: '' }));
  return { st, start, clear };
}

/** The paperclip, its hidden file input, and the progress or error line. */
export function UploadButton({ up, t, disabled }) {
  const input = useRef(null);
  return html`<button class="icon-btn clip" type="button" data-part="attach" aria-label=${t.attach} title=${t.attach}
      disabled=${disabled || up.st.busy} onClick=${() => input.current && input.current.click()}>${CLIP}</button>
    <input ref=${input} type="file" accept=${ACCEPT} hidden data-part="attach-input" tabindex="-1"
      onChange=${(ev) => { const f = ev.currentTarget.files && ev.currentTarget.files[0]; ev.currentTarget.value = ''; up.start(f); }} />`;
}

export function UploadStatus({ up, t }) {
  const { st } = up;
  if (st.busy) {
    const pct = Math.round(st.progress * 100);
    return html`<div class="upload-line" data-part="upload-progress">
      <span>${t.uploading(st.name)}</span>
      <progress max="100" value=${pct} aria-label=${t.uploading(st.name)}>${pct}%</progress></div>`;
  }
  if (st.error) {
    return html`<div class="upload-line upload-error" role="alert" data-part="upload-error">
      <span>${st.error}</span><button type="button" class="copy" onClick=${up.clear}>${t.verifyDismiss}</button></div>`;
  }
  return null;
}

/** The first image or PDF of a paste or a drop, or null. */
export function fileOf(list) {
  for (const f of Array.from(list || [])) if (f && acceptable(f)) return f;
  return null;
}

// A file's bytes, fetched with the visitor's credentials (never in a URL).
async function fetchBlob(chat, id) {
  const res = await fetch(serverUrl(chat.wsUrl, `/api/v1/media/upload/${encodeURIComponent(id)}`), {
    headers: authHeaders(chat),
  });
  return res.ok ? res.blob() : null;
}

// Previews of images in the thread: blob: URLs by upload id, the latest
// PREVIEWS kept (older ones are revoked and load again when shown).
const PREVIEWS = 12;
const previews = new Map();
function previewOf(chat, id) {
  if (previews.has(id)) return previews.get(id);
  const p = fetchBlob(chat, id).then((b) => (b && b.type.startsWith('image/') ? URL.createObjectURL(b) : null)).catch(() => null);
  previews.set(id, p);
  while (previews.size > PREVIEWS) {
    const [old, v] = previews.entries().next().value;
    previews.delete(old);
    v.then((u) => u && URL.revokeObjectURL(u));
  }
  return p;
}

// An uploaded image shown small in the thread; nothing when it cannot load
// (expired, or the host page's CSP forbids blob: images).
function Preview({ chat, a }) {
  const [src, setSrc] = useState('');
  const [bad, setBad] = useState(false);
  useEffect(() => {
    let live = true;
    previewOf(chat, a.id).then((u) => { if (live && u) setSrc(u); });
    return () => { live = false; };
  }, [a.id]);
  if (!src || bad) return null;
  return html`<img class="file-preview" data-part="file-preview" src=${src} alt="" onError=${() => setBad(true)} />`;
}

// Fetches a file with the visitor's credentials and saves it (a blob: URL,
// so the token never appears in an address).
async function download(chat, a) {
  const blob = await fetchBlob(chat, a.id);
  if (!blob) return false;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = a.name || 'file';
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
  return true;
}

/** A message's uploaded files: a button each that saves it. */
export function MessageFiles({ e, chat, t, announce }) {
  const list = Array.isArray(e.attachments) ? e.attachments.filter((a) => a && typeof a.id === 'string' && /^u[0-9a-f]{32}$/.test(a.id)) : [];
  if (!list.length) return null;
  return html`<ul class="files" data-part="files" aria-label=${t.files}>
    ${list.map((a) => html`<li>${/^image\//.test(a.mime || '') && html`<${Preview} chat=${chat} a=${a} />`}<button type="button" class="file" data-upload=${a.id}
      onClick=${async () => { if (!(await download(chat, a))) announce(t.downloadFailed); }}>
      ${CLIP}<span class="sr">${t.download} </span><span class="file-name" dir="auto">${a.name || t.files}</span><span class="file-size"> (${sizeText(a.size)})</span></button></li>`)}
  </ul>`;
}

export const UPLOAD_CSS = `
.clip { color: var(--muted); background: transparent; border: 0; width: 40px; height: 40px; display: grid; place-items: center; cursor: pointer; border-radius: 12px; flex: none; }
.clip:hover { color: var(--accent); }
.clip[disabled] { opacity: .45; cursor: default; }
.clip svg { width: 20px; height: 20px; }
.upload-line { display: flex; align-items: center; gap: 8px; font-size: 12px; padding: 4px 14px; background: var(--bg); color: var(--muted); }
.upload-line progress { flex: 1; height: 6px; }
.upload-error { color: #b42318; }
.files { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-direction: column; gap: 4px; align-items: flex-end; }
.file { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; border: 1px solid var(--line); border-radius: 10px; background: #fff; color: var(--ink); padding: 4px 8px; cursor: pointer; font: inherit; font-size: 12.5px; }
.file:hover { border-color: var(--accent); }
.file:focus-visible, .clip:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 2px; }
.file svg { width: 14px; height: 14px; flex: none; }
.file-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 180px; }
.file-size { color: var(--muted); font-size: 11px; }
.file-preview { display: block; max-width: 200px; max-height: 160px; border-radius: 10px; border: 1px solid var(--line); margin: 0 0 3px auto; object-fit: contain; background: #fff; }
.dropping .log { outline: 2px dashed var(--accent); outline-offset: -6px; }
`;

/** A message that is only a file (its text is the file's name): no bubble. */
export function onlyFiles(e) {
  const a = Array.isArray(e.attachments) ? e.attachments : [];
  return a.length === 1 && a[0] && typeof a[0].id === 'string' && e.text === a[0].name;
}
