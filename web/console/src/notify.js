// Unobtrusive alerts: a short soft chime (Web Audio, no asset) and, when the
// page is in the background, a desktop notification. Both can be turned off.
let ctx = null;
let lastChime = 0;

/** Create the AudioContext during a user gesture so that later chimes may play. */
export function unlockAudio() {
  try {
    if (!ctx) {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (AC) ctx = new AC();
    }
    if (ctx && ctx.state === 'suspended') ctx.resume();
  } catch {
    ctx = null;
  }
}

export function chime() {
  const now = Date.now();
  if (now - lastChime < 1500) return; // a burst of messages chimes once
  lastChime = now;
  if (!ctx || ctx.state !== 'running') return;
  const t0 = ctx.currentTime;
  for (const [i, freq] of [[0, 880], [1, 1320]]) {
    const o = ctx.createOscillator();
    const g = ctx.createGain();
    o.type = 'sine';
    o.frequency.value = freq;
    const s = t0 + i * 0.12;
    g.gain.setValueAtTime(0.0001, s);
    g.gain.exponentialRampToValueAtTime(0.06, s + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, s + 0.25);
    o.connect(g).connect(ctx.destination);
    o.start(s);
    o.stop(s + 0.3);
  }
}

export function desktopSupported() {
  return typeof window !== 'undefined' && 'Notification' in window;
}

export async function requestDesktopPermission() {
  if (!desktopSupported()) return 'denied';
  if (Notification.permission === 'granted' || Notification.permission === 'denied') return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return 'denied';
  }
}

export function notifyActivity(settings, { title, body, tag }) {
  if (settings.sound) chime();
  if (settings.desktop && document.hidden && desktopSupported() && Notification.permission === 'granted') {
    try {
      const n = new Notification(title, { body: String(body).slice(0, 180), tag, silent: true });
      n.onclick = () => {
        window.focus();
        n.close();
      };
    } catch {
      /* some browsers only allow notifications from a service worker */
    }
  }
}
