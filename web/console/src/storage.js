// Settings kept in localStorage (per browser): thresholds, notifications,
// language, filters and canned responses.
const KEY = 'hilo.console.v1';

export const DEFAULT_CANNED = {
  es: [
    { title: 'Saludo', text: 'Hola {{name}}, gracias por escribirnos. Estoy revisando tu caso {{ref}}.' },
    { title: 'Más información', text: '{{name}}, ¿podrías darme más detalles (número de pedido, fecha)? Así avanzo con el caso {{ref}}.' },
    { title: 'Cierre', text: 'Listo, {{name}}: tu caso {{ref}} queda resuelto. Si necesitas algo más, responde a este mensaje.' },
  ],
  en: [
    { title: 'Greeting', text: 'Hi {{name}}, thanks for reaching out. I am looking into your case {{ref}}.' },
    { title: 'More details', text: '{{name}}, could you share a few more details (order number, date)? That helps me move case {{ref}} forward.' },
    { title: 'Wrap-up', text: 'All done, {{name}}: case {{ref}} is resolved. If you need anything else, just reply to this message.' },
  ],
};

export function defaultLang() {
  const l = (typeof navigator !== 'undefined' && (navigator.language || '')) || '';
  return l.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function defaults() {
  const lang = defaultLang();
  return {
    lang,
    amberMin: 5,
    redMin: 15,
    sound: true,
    desktop: false,
    canned: DEFAULT_CANNED[lang].map((c) => ({ ...c })),
    filters: { assignee: 'all', status: 'all', channel: 'all', team: 'all', tag: 'all' },
  };
}

export function loadSettings() {
  const d = defaults();
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return d;
    const s = JSON.parse(raw);
    const out = { ...d, ...s, filters: { ...d.filters, ...(s.filters || {}) } };
    if (out.lang !== 'es' && out.lang !== 'en') out.lang = d.lang;
    out.amberMin = validMinutes(out.amberMin, d.amberMin);
    out.redMin = validMinutes(out.redMin, d.redMin);
    if (!Array.isArray(out.canned)) out.canned = d.canned;
    out.canned = out.canned.filter((c) => c && typeof c.title === 'string' && typeof c.text === 'string');
    return out;
  } catch {
    return d;
  }
}

function validMinutes(v, dflt) {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 && n <= 24 * 60 ? n : dflt;
}

export function saveSettings(s) {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    /* private mode or quota: settings just do not persist */
  }
}
