// Business hours in the widget's header (issue #13, docs/widget.md): "We
// usually reply within about 15 minutes" while the team is open, "We're
// closed now; we'll answer Monday from 9:00" when it is not. Hilo sends an
// `hours` frame after the welcome (docs/protocol.md) with the status line in
// the customer's language (the acknowledgement's words) and `refresh_at`,
// when it changes (an opening, a closing, or the business-zone midnight
// that turns "tomorrow" into "today"); the widget asks again then with
// {"type":"hours"}, never on a short timer.

import { h } from 'preact';
import { useEffect } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const MAX_WAIT = 86400000;  // setTimeout's range is ~24 days; ask at least daily
const JITTER = 5000;        // widgets do not all ask at the same millisecond

export class Hours {
  constructor(chat) {
    this.chat = chat;
    this.timer = null;
    chat.state.hours = null;   // the last `hours` object, or null (none, or out of date)
  }

  // An `hours` frame from Hilo.
  take(hrs) {
    if (!hrs || typeof hrs !== 'object' || typeof hrs.text !== 'string') return;
    clearTimeout(this.timer);
    this.timer = null;
    // refresh_at and now are both Hilo's clock: the wait does not depend on
    // this computer's clock being right.
    if (typeof hrs.refresh_at === 'number' && typeof hrs.now === 'number') {
      const wait = Math.max(0, hrs.refresh_at - hrs.now);
      this.timer = setTimeout(() => this.refresh(), Math.min(MAX_WAIT, wait) + Math.random() * JITTER);
    }
    this.chat.set({ hours: hrs });
  }

  // The state changes now: ask Hilo. Without a connection the line goes
  // away rather than stay wrong; the next welcome brings it back.
  refresh() {
    this.timer = null;
    if (!this.chat.ready || !this.chat.raw({ type: 'hours', req: 'hours' })) this.chat.set({ hours: null });
  }

  // The panel was opened: a new visitor connects to learn the hours before
  // writing. Nothing is stored for it by Hilo, and the widget keeps the
  // visitor token only once the customer writes (chat.keepVisitor).
  want() {
    const c = this.chat;
    if (c.ws) return;
    if (!c.store.visitor() && !c.identity && !c.state.outbox.length) c.peeking = true;
    c.connect();
  }
}

// "Europe/Madrid" -> "Madrid", "America/Mexico_City" -> "Mexico City".
export function zoneName(tz) {
  const last = String(tz || '').split('/').pop();
  return last.replace(/_/g, ' ');
}

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch { return ''; }
}

function when(ms, lang, timeZone) {
  const o = { weekday: 'long', hour: 'numeric', minute: '2-digit' };
  if (timeZone) o.timeZone = timeZone;
  return new Intl.DateTimeFormat(lang, o).format(new Date(ms));
}

// The line to show: Hilo's text; when closed and the customer's own clock
// would read the opening differently, the business zone and the opening in
// the customer's time ("… from 9:00 (Madrid time; Sunday 11:00 PM for you).").
export function hoursLine(hrs, t, lang, zone = browserZone()) {
  if (!hrs) return '';
  if (hrs.open || !hrs.next_open || !hrs.tz || !zone || zone === hrs.tz) return hrs.text;
  try {
    const there = when(hrs.next_open, lang, hrs.tz);
    const here = when(hrs.next_open, lang, zone);
    if (there === here) return hrs.text;
    const note = t.hoursZone(zoneName(hrs.tz), here);
    return hrs.text.endsWith('.') ? `${hrs.text.slice(0, -1)} ${note}.` : `${hrs.text} ${note}`;
  } catch {
    return hrs.text; // a zone this browser does not know
  }
}

// In the header, under the title: a plain line (not a live region: it
// changes at most at an opening or a closing, and the dialog's description
// points at it, so it is read when the panel opens).
export function HoursLine({ chat, t, lang, open }) {
  useEffect(() => { if (open) chat.hours.want(); }, [open]);
  const hrs = chat.state.hours;
  if (!hrs) return null;
  const state = hrs.open ? 'open' : 'closed';
  return html`<div class="hours" id="hilo-hours" data-part="hours" data-state=${state}>
    <span class=${`hours-dot ${state}`} aria-hidden="true"></span><span data-part="hours-text">${hoursLine(hrs, t, lang)}</span>
  </div>`;
}
