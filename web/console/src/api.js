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

// ---------------------------------------------------------------- REST (docs/rest.md)
/**
 * JSON request to /api/v1/<path>. Never throws:
 * -> {ok:true, status, data} | {ok:false, status, code, message} (status 0 on a network failure).
 */
export async function call(method, path, payload) {
  let res;
  try {
    res = await fetch(`/api/v1/${path}`, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: payload !== undefined ? { 'Content-Type': 'application/json' } : {},
      body: payload !== undefined ? JSON.stringify(payload) : undefined,
    });
  } catch (e) {
    return { ok: false, status: 0, code: 'offline', message: e.message || 'network' };
  }
  const b = res.status === 204 ? null : await body(res);
  if (res.ok) return { ok: true, status: res.status, data: b };
  return { ok: false, status: res.status, code: b?.error?.code || `http_${res.status}`, message: b?.error?.message || res.statusText };
}

export const getReports = (from, to) => call('GET', `reports?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
export const search = (q) => call('GET', `search?q=${encodeURIComponent(q)}`);
export const listAgents = () => call('GET', 'agents');
export const createAgent = (a) => call('POST', 'agents', a);
export const updateAgent = (name, patch) => call('PATCH', `agents/${encodeURIComponent(name)}`, patch);
export const resetPassword = (name) => call('POST', `agents/${encodeURIComponent(name)}/password`);
export const deleteAgent = (name) => call('DELETE', `agents/${encodeURIComponent(name)}`);
// SLA settings per team (docs/sla.md)
export const listSlaTeams = () => call('GET', 'sla/teams');
export const putSlaTeam = (team, settings) => call('PUT', `sla/teams/${encodeURIComponent(team)}`, settings);
export const deleteSlaTeam = (team) => call('DELETE', `sla/teams/${encodeURIComponent(team)}`);
// Team settings: canned responses and waiting-time thresholds (docs/rest.md)
export const getTeamSettings = () => call('GET', 'team-settings');
export const getTeamSettingsOf = (team) => call('GET', `team-settings/${encodeURIComponent(team)}`);
export const putTeamSettings = (team, settings) => call('PUT', `team-settings/${encodeURIComponent(team)}`, settings);
export const deleteTeamSettings = (team) => call('DELETE', `team-settings/${encodeURIComponent(team)}`);
