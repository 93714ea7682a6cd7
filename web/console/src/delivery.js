// Delivery states of replies and resolutions (docs/delivery.md) and the
// channels a reply can go out on. Pure helpers: no DOM, no store.

/** Channels Hilo can send a reply on. */
export const REPLY_CHANNELS = ['web', 'whatsapp', 'sms', 'email'];

/** Where a reply to a customer who wrote on `ch` goes (voice falls back to SMS). */
export function replyChannelFor(ch) {
  if (ch === 'voice') return 'sms';
  return REPLY_CHANNELS.includes(ch) ? ch : null;
}

/**
 * Channels offered in the composer: web, then every channel the customer
 * used in this thread (in order of first use), deduplicated.
 */
export function replyChannels(events, ticket) {
  const out = ['web'];
  const add = (ch) => {
    const r = replyChannelFor(ch);
    if (r && !out.includes(r)) out.push(r);
  };
  for (const ev of events || []) {
    if (ev && ev.kind === 'message' && (ev.author?.role || 'customer') === 'customer') add(ev.channel);
  }
  if (ticket) {
    add(ticket.channel);
    add(ticket.last_channel);
  }
  return out;
}

/** The channel preselected in the composer: the one the customer last wrote on. */
export function defaultReplyChannel(events, ticket) {
  const list = events || [];
  for (let i = list.length - 1; i >= 0; i--) {
    const ev = list[i];
    if (ev && ev.kind === 'message' && (ev.author?.role || 'customer') === 'customer') {
      const r = replyChannelFor(ev.channel);
      if (r) return r;
    }
  }
  return replyChannelFor(ticket?.last_channel) || replyChannelFor(ticket?.channel) || 'web';
}

const RANK = { queued: 0, sent: 1, delivered: 2, read: 3 };

/**
 * Merge a delivery update into the known one. A status never goes backwards
 * (a late "delivered" after "read" is ignored); "failed" always applies, and
 * a failed delivery put back in the outbox becomes "queued" again.
 */
export function mergeDelivery(prev, next) {
  if (!next || typeof next !== 'object') return prev || null;
  if (!prev) return { ...next };
  const a = RANK[prev.status];
  const b = RANK[next.status];
  // queued < sent < delivered < read never goes back; failed applies at any
  // point, and a retried failed delivery is queued again
  if (a != null && b != null && b < a) return prev;
  return { ...prev, ...next };
}

const ICONS = { queued: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' };

/**
 * What to show for a delivery: {status, icon, key, error, attempts, canRetry}
 * (key is an i18n key; permanent: refused for good, no Retry), or null when there is nothing to show.
 */
export function deliveryView(dl) {
  if (!dl || typeof dl !== 'object' || !dl.status) return null;
  const status = Object.prototype.hasOwnProperty.call(ICONS, dl.status) ? dl.status : 'unknown';
  return {
    status,
    icon: ICONS[status] || '•',
    key: `delivery.${status}`,
    error: typeof dl.error === 'string' ? dl.error : '',
    attempts: Number(dl.attempts) || 0,
    channel: typeof dl.channel === 'string' ? dl.channel : '',
    to: typeof dl.to === 'string' ? dl.to : '',
    // a permanent refusal (number not on WhatsApp, outside the 24-hour
    // window…) fails the same way again: no Retry, the agent must act
    permanent: status === 'failed' && dl.permanent === true,
    canRetry: status === 'failed' && dl.permanent !== true,
  };
}
