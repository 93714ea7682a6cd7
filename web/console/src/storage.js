// Personal settings kept in localStorage (per browser): notifications,
// language and filters. Canned responses and waiting-time thresholds are the
// team's, on the server (GET /api/v1/team-settings, store.js); DEFAULT_CANNED
// are the examples shown while no team has set its own.
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
    sound: true,
    desktop: false,
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
    // kept here by older versions; the team's settings on the server rule now
    delete out.amberMin;
    delete out.redMin;
    delete out.canned;
    return out;
  } catch {
    return d;
  }
}

export function saveSettings(s) {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    /* private mode or quota: settings just do not persist */
  }
}
