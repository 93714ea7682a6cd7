// HTTP session API: POST/GET/DELETE /api/v1/session (cookie hilo_session).
const BASE = '/api/v1/session';

async function body(res) {
  try { return await res.json(); } catch { return null; }
}

/** -> {ok:true, agent, expires_at} | {ok:false, status, code, message} */
export async function signIn(name, password) {
  const res = await fetch(BASE, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const b = await body(res);
  if (res.ok) return { ok: true, agent: b?.agent, expires_at: b?.expires_at };
  return { ok: false, status: res.status, code: b?.error?.code || '', message: b?.error?.message || res.statusText };
}

/** -> {ok:true, agent, expires_at} | {ok:false, status} ; throws on network failure */
export async function currentSession() {
  const res = await fetch(BASE, { credentials: 'same-origin', cache: 'no-store' });
  const b = await body(res);
  if (res.ok) return { ok: true, agent: b?.agent, expires_at: b?.expires_at };
  return { ok: false, status: res.status, code: b?.error?.code || '' };
}

export async function signOut() {
  try {
    await fetch(BASE, { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    /* the cookie will expire anyway */
  }
}
