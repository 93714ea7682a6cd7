// Attachments of a customer message (docs/protocol.md, extra fields of provider
// events): WhatsApp media, Twilio media, email attachments (names only), files
// uploaded from the widget (with an image preview) and locations, shown as links under the message text. Every label is rendered as
// text; only http(s) URLs become links.
import { html } from 'htm/preact';
import { t } from './i18n.js';

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'];

/** The URL if it is an absolute http(s) URL, else null. */
export function safeHttpUrl(u) {
  if (typeof u !== 'string') return null;
  const s = u.trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const x = new URL(s);
    return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null;
  } catch {
    return null;
  }
}

const str = (v) => (typeof v === 'string' ? v.trim() : '');

function mediaKindOf(mime) {
  const m = str(mime).toLowerCase();
  if (m === 'image/webp') return 'sticker';
  for (const k of ['image', 'audio', 'video']) if (m.startsWith(`${k}/`)) return k;
  return 'document';
}

function mediaLabel(kind, { filename, mime, voice }) {
  const name = t(voice ? 'att.voice' : `att.${kind}`);
  if (filename) return `${name}: ${filename}`;
  if (mime) return `${name} (${mime})`;
  return name;
}

function coord(v, max) {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= max ? n : null;
}

// A file the customer uploaded from the widget (docs/widget.md "Files and
// photos"): Hilo serves it at a same-origin path, so an image is previewed
// (the console's img-src 'self') and every file opens as a download.
const UPLOAD_ID = /^u[0-9a-f]{32}$/;
function uploadOf(a) {
  const id = str(a.id);
  if (!UPLOAD_ID.test(id)) return null;
  const mime = str(a.mime).toLowerCase();
  const kind = mime.startsWith('image/') ? 'image' : 'document';
  const href = `/api/v1/media/upload/${id}`;
  const size = Number(a.size) > 0 ? sizeText(Number(a.size)) : '';
  return {
    kind, source: 'upload', href, note: '',
    label: `${mediaLabel(kind, { filename: str(a.name), mime })}${size ? ` · ${size}` : ''}`,
    thumb: kind === 'image' ? href : null,
  };
}

function sizeText(n) {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/**
 * What to show under a message: [{kind, label, href?, note?, source}].
 * href is set only for a usable link.
 */
export function attachmentsOf(ev) {
  const out = [];
  if (!ev || typeof ev !== 'object') return out;
  const media = ev.media;
  if (media && typeof media === 'object' && !Array.isArray(media)) {
    // WhatsApp Cloud API: Hilo fetches the bytes with the media id.
    const id = str(media.id);
    const kind = MEDIA_TYPES.includes(ev.type) ? ev.type : mediaKindOf(media.mime_type);
    const label = mediaLabel(kind, { filename: str(media.filename), mime: str(media.mime_type), voice: media.voice === true });
    out.push({
      kind, label, source: 'whatsapp',
      href: id ? `/api/v1/media/whatsapp/${encodeURIComponent(id)}` : null,
      note: id ? '' : t('att.unavailable'),
    });
  } else if (Array.isArray(media)) {
    // Twilio: public (or account-authenticated) URLs.
    for (const m of media) {
      if (!m || typeof m !== 'object') continue;
      const mime = str(m.content_type);
      const kind = mime ? mediaKindOf(mime) : 'file';
      const href = safeHttpUrl(m.url);
      out.push({
        kind, source: 'twilio', label: mime ? `${t(`att.${kind}`)} (${mime})` : t('att.file'),
        href, note: href ? '' : t('att.badUrl'),
      });
    }
  }
  if (Array.isArray(ev.attachments)) {
    for (const a of ev.attachments) {
      if (!a || typeof a !== 'object') continue;
      const up = uploadOf(a);
      if (up) { out.push(up); continue; }
      out.push({ kind: 'file', source: 'email', label: str(a.filename) || t('att.file'), href: null, note: t('att.notStored') });
    }
  }
  const loc = ev.location;
  if (loc && typeof loc === 'object') {
    const lat = coord(loc.latitude, 90);
    const lon = coord(loc.longitude, 180);
    const words = [str(loc.name), str(loc.address)].filter(Boolean).join(', ');
    if (lat != null && lon != null) {
      out.push({
        kind: 'location', source: 'location',
        label: words || t('att.location', { lat, lon }),
        href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}`,
        title: t('att.openMap'), note: '',
      });
    } else if (words) {
      out.push({ kind: 'location', source: 'location', label: words, href: null, note: '' });
    }
  }
  return out;
}

export function Attachments({ ev }) {
  const list = attachmentsOf(ev);
  if (!list.length) return null;
  return html`
    <ul class="ev-atts" aria-label=${t('att.label')}>
      ${list.map((a) => html`
        <li class=${`att att-${a.kind}`} data-att=${a.source}>
          ${a.href
            ? html`<a class="att-link" href=${a.href} target="_blank" rel=${a.source === 'whatsapp' || a.source === 'upload' ? 'noopener' : 'noopener noreferrer'}
                title=${a.title || undefined}>${a.label}<span class="sr"> ${t('att.newTab')}</span><span class="att-ext" aria-hidden="true">↗</span></a>`
            : html`<span class="att-name">${a.label}</span>`}
          ${a.thumb && html`<a class="att-thumb" href=${a.href} target="_blank" rel="noopener" tabindex="-1" aria-hidden="true"><img src=${a.thumb} alt="" loading="lazy" /></a>`}
          ${a.note && html`<span class="att-note muted">${a.note}</span>`}
        </li>`)}
    </ul>`;
}
