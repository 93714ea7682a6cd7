// Admin screen: agents and teams, team settings, SLA (docs/rest.md, admins only).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from './api.js';
import { t, tn } from './i18n.js';
import { loadAgents, isAdmin, toast, errorText } from './store.js';
import { validAgentName, teamsOf } from './util.js';
import { Dialog } from './dialogs.js';
import { SlaSettings } from './admin-sla.js';
import { TeamSettings } from './admin-team.js';

function roleLabel(r) {
  return t(`admin.role.${r === 'admin' ? 'admin' : 'agent'}`);
}

/** The generated password, shown once, with a copy button. */
function PasswordOnce({ name, password, onDone }) {
  const input = useRef(null);
  const [copied, setCopied] = useState('');
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [password]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(password);
      setCopied(t('admin.copied'));
    } catch {
      input.current?.select();
      let ok = false;
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      setCopied(ok ? t('admin.copied') : t('admin.copyFailed'));
    }
  }
  return html`
    <section class="card pw-once" aria-labelledby="pw-once-title" data-password-for=${name}>
      <h3 id="pw-once-title">${t('admin.password', { name })}</h3>
      <p class="muted small" id="pw-once-desc">${t('admin.passwordOnce', { name })}</p>
      <div class="pw-row">
        <label class="sr" for="pw-once-value">${t('admin.password', { name })}</label>
        <input id="pw-once-value" ref=${input} class="pw" readonly value=${password} aria-describedby="pw-once-desc" spellcheck="false" />
        <button type="button" class="btn sm primary" onClick=${copy} data-action="copy-password">${t('admin.copy')}</button>
        <button type="button" class="btn sm" onClick=${onDone}>${t('admin.done')}</button>
      </div>
      <p class="small ok-text" role="status" aria-live="polite">${copied}</p>
    </section>`;
}

function TeamInput({ id, value, onInput, teams, label }) {
  return html`
    <input id=${id} list="admin-teams" value=${value} maxlength="64" aria-label=${label}
      placeholder=${t('admin.noTeam')} onInput=${(e) => onInput(e.currentTarget.value)} />`;
}

function CreateForm({ onCreated, teams }) {
  const [f, setF] = useState({ name: '', display: '', role: 'agent', team: '' });
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const nameRef = useRef(null);
  const upd = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  async function submit(e) {
    e.preventDefault();
    const name = f.name.trim().toLowerCase();
    if (!validAgentName(name)) {
      setErr(t('admin.badName'));
      nameRef.current?.focus();
      return;
    }
    if (f.team.trim().length > 64) {
      setErr(t('admin.badTeam'));
      return;
    }
    setBusy(true);
    setErr('');
    const r = await api.createAgent({ name, display: f.display.trim() || name, role: f.role, team: f.team.trim() });
    setBusy(false);
    if (!r.ok) {
      setErr(r.code === 'bad_state' || r.status === 409 ? t('admin.exists', { name }) : errorText(r));
      return;
    }
    setF({ name: '', display: '', role: 'agent', team: '' });
    onCreated(r.data?.agent?.name || name, r.data?.password || '');
  }
  return html`
    <form class="card admin-create" onSubmit=${submit} aria-labelledby="admin-create-title" novalidate>
      <h3 id="admin-create-title">${t('admin.create')}</h3>
      <div class="create-grid">
        <label><span>${t('admin.name')}</span>
          <input id="new-name" ref=${nameRef} value=${f.name} onInput=${upd('name')} required autocomplete="off" autocapitalize="none"
            spellcheck="false" maxlength="64" aria-describedby="new-name-hint" aria-invalid=${err === t('admin.badName') ? 'true' : 'false'} /></label>
        <label><span>${t('admin.display')}</span><input id="new-display" value=${f.display} onInput=${upd('display')} maxlength="100" autocomplete="off" /></label>
        <label><span>${t('admin.role')}</span>
          <select id="new-role" value=${f.role} onChange=${upd('role')}>
            <option value="agent">${roleLabel('agent')}</option><option value="admin">${roleLabel('admin')}</option>
          </select></label>
        <label><span>${t('admin.team')}</span>
          <${TeamInput} id="new-team" value=${f.team} teams=${teams} label=${t('admin.team')} onInput=${(v) => setF({ ...f, team: v })} /></label>
        <button type="submit" class="btn primary" disabled=${busy} data-action="create-agent">${t('admin.createGo')}</button>
      </div>
      <p class="muted small" id="new-name-hint">${t('admin.nameHint')}</p>
      ${err && html`<p class="field-error" role="alert">${err}</p>`}
    </form>`;
}

/*
 * The row being edited: a component of its own, so each edit mounts it afresh
 * and the form starts from the agent as it is now. (An effect that copied the
 * props into the form ran after paint and overwrote what was typed first.)
 */
function AgentEditRow({ a, me, teams, onSaved, onCancel }) {
  const [f, setF] = useState(() => ({ display: a.display || '', role: a.role || 'agent', team: a.team || '' }));
  const [err, setErr] = useState('');
  const first = useRef(null);
  useEffect(() => { first.current?.focus(); }, []);
  const upd = (k, v) => setF((old) => ({ ...old, [k]: v }));
  async function save(e) {
    e?.preventDefault();
    const patch = {};
    if (f.display.trim() !== (a.display || '')) patch.display = f.display.trim();
    if (f.role !== a.role) patch.role = f.role;
    if (f.team.trim() !== (a.team || '')) patch.team = f.team.trim();
    if (!Object.keys(patch).length) {
      onCancel();
      return;
    }
    const r = await api.updateAgent(a.name, patch);
    if (!r.ok) {
      setErr(errorText(r));
      return;
    }
    onSaved(a.name);
  }
  const keys = (e) => {
    if (e.key === 'Escape') { e.stopPropagation(); onCancel(); }
    if (e.key === 'Enter' && e.target.tagName !== 'BUTTON') { e.preventDefault(); save(); }
  };
  return html`
    <tr class="editing" data-agent=${a.name} onKeyDown=${keys}>
      <th scope="row">${a.name}</th>
      <td><input ref=${first} aria-label=${`${t('admin.display')} (${a.name})`} value=${f.display} maxlength="100"
        onInput=${(e) => upd('display', e.currentTarget.value)} /></td>
      <td><select aria-label=${`${t('admin.role')} (${a.name})`} value=${f.role} onChange=${(e) => upd('role', e.currentTarget.value)}
        disabled=${a.name === me}>
        <option value="agent">${roleLabel('agent')}</option><option value="admin">${roleLabel('admin')}</option></select></td>
      <td><${TeamInput} id=${`team-${a.name}`} value=${f.team} teams=${teams} label=${`${t('admin.team')} (${a.name})`}
        onInput=${(v) => upd('team', v)} /></td>
      <td class="row-actions">
        <button type="button" class="btn sm primary" onClick=${save} data-action="save-agent">${t('admin.save')}</button>
        <button type="button" class="btn sm" onClick=${onCancel}>${t('ticket.cancel')}</button>
        ${err && html`<span class="field-error" role="alert">${err}</span>`}
      </td>
    </tr>`;
}

function AgentRow({ a, me, teams, onEdit, editing, onSaved, onCancel, onReset, onDelete }) {
  if (editing) return html`<${AgentEditRow} a=${a} me=${me} teams=${teams} onSaved=${onSaved} onCancel=${onCancel} />`;
  return html`
    <tr data-agent=${a.name}>
      <th scope="row">${a.name}${a.name === me ? html` <span class="muted small">(${t('admin.you')})</span>` : ''}</th>
      <td>${a.display || ''}</td>
      <td><span class=${`role role-${a.role === 'admin' ? 'admin' : 'agent'}`}>${roleLabel(a.role)}</span></td>
      <td>${a.team ? html`<span class="team">${a.team}</span>` : html`<span class="muted">${t('admin.noTeam')}</span>`}</td>
      <td class="row-actions">
        <button type="button" class="btn sm" onClick=${() => onEdit(a.name)} aria-label=${t('admin.edit', { name: a.name })} data-action="edit">${t('admin.editShort')}</button>
        <button type="button" class="btn sm" onClick=${() => onReset(a.name)} aria-label=${t('admin.reset', { name: a.name })} data-action="reset">${t('admin.resetShort')}</button>
        <button type="button" class="btn sm danger" onClick=${() => onDelete(a.name)} aria-label=${t('admin.delete', { name: a.name })}
          data-action="delete" disabled=${a.name === me}>${t('admin.deleteShort')}</button>
      </td>
    </tr>`;
}

export function Admin({ s }) {
  const [editing, setEditing] = useState('');
  const [shown, setShown] = useState(null); // {name, password}
  const [confirm, setConfirm] = useState(null); // {kind, name}
  useEffect(() => {
    if (isAdmin(s)) loadAgents();
  }, [s.agent?.role]);
  if (!isAdmin(s)) {
    return html`<section class="screen" aria-labelledby="admin-title"><h2 id="admin-title">${t('admin.title')}</h2>
      <p class="error-box" role="alert">${t('admin.forbidden')}</p></section>`;
  }
  const me = s.agent?.name;
  const teams = teamsOf(s.agents, Object.values(s.tickets));

  async function doConfirm() {
    const c = confirm;
    setConfirm(null);
    if (!c) return;
    if (c.kind === 'delete') {
      const r = await api.deleteAgent(c.name);
      if (!r.ok) toast(errorText(r), 'error', 8000);
      else toast(t('admin.deleted', { name: c.name }), 'ok', 3000);
    } else {
      const r = await api.resetPassword(c.name);
      if (!r.ok) toast(errorText(r), 'error', 8000);
      else setShown({ name: c.name, password: r.data?.password || '' });
    }
    loadAgents();
  }

  return html`
    <section class="screen admin" aria-labelledby="admin-title">
      <div class="screen-head">
        <h2 id="admin-title">${t('admin.title')}</h2>
        <span class="muted small">${s.agentsLoaded ? tn('admin.count', s.agents.length) : t('admin.loading')}</span>
      </div>
      <datalist id="admin-teams">${teams.map((x) => html`<option value=${x}></option>`)}</datalist>
      <${CreateForm} teams=${teams} onCreated=${(name, password) => {
        setShown({ name, password });
        toast(t('admin.created', { name }), 'ok', 3000);
        loadAgents();
      }} />
      ${shown && html`<${PasswordOnce} name=${shown.name} password=${shown.password} onDone=${() => setShown(null)} />`}
      <div class="card table-card">
        <table class="agents">
          <caption class="sr">${t('admin.title')}</caption>
          <thead><tr>
            <th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.display')}</th><th scope="col">${t('admin.role')}</th>
            <th scope="col">${t('admin.team')}</th><th scope="col">${t('admin.actions')}</th>
          </tr></thead>
          <tbody>
            ${s.agents.map((a) => html`<${AgentRow} key=${a.name} a=${a} me=${me} teams=${teams} editing=${editing === a.name}
              onEdit=${setEditing} onCancel=${() => setEditing('')}
              onSaved=${(name) => { setEditing(''); toast(t('admin.saved', { name }), 'ok', 2500); loadAgents(); }}
              onReset=${(name) => setConfirm({ kind: 'reset', name })} onDelete=${(name) => setConfirm({ kind: 'delete', name })} />`)}
          </tbody>
        </table>
      </div>
      <${TeamSettings} teams=${teams} />
      <${SlaSettings} />
      ${confirm && html`
        <${Dialog} id="confirm" role="alertdialog" describedBy="confirm-body" onClose=${() => setConfirm(null)}
          title=${t(confirm.kind === 'delete' ? 'admin.deleteTitle' : 'admin.resetTitle', { name: confirm.name })}>
          <p id="confirm-body">${t(confirm.kind === 'delete' ? 'admin.deleteBody' : 'admin.resetBody', { name: confirm.name })}</p>
          <div class="dlg-foot">
            <button type="button" class="btn" onClick=${() => setConfirm(null)}>${t('ticket.cancel')}</button>
            <button type="button" class=${`btn ${confirm.kind === 'delete' ? 'danger-solid' : 'primary'}`} onClick=${doConfirm}
              data-action="confirm">${t(confirm.kind === 'delete' ? 'admin.deleteGo' : 'admin.resetGo')}</button>
          </div>
        <//>`}
    </section>`;
}
