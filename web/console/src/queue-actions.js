// The queue beyond the live open/pending list (#13): the resolved and closed
// views (GET /api/v1/tickets?status=), picking rows for bulk actions (assign
// to me, set pending, close without a reply), and the "close without a
// reply" dialog (status closed with a reason: spam, duplicate, other).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { t, tn } from './i18n.js';
import * as api from './api.js';
import { getState, setState, sendRequest, toast, errorText, closeDialog, openDialog, setStatus } from './store.js';
import { formatRef } from './util.js';
import { Dialog } from './dialogs.js';

let archiveSeq = 0;
/** Loads the resolved or closed view ('' leaves it). */
export async function loadArchive(status) {
  archiveSeq += 1;
  const mine = archiveSeq;
  if (status !== 'resolved' && status !== 'closed') {
    setState({ archive: { status: '', loading: false, tickets: [], error: null } });
    return;
  }
  const prev = getState().archive;
  setState({ archive: { status, loading: true, tickets: prev.status === status ? prev.tickets : [], error: null } });
  const r = await api.call('GET', `tickets?status=${status}&limit=200`);
  if (mine !== archiveSeq) return; // another view was chosen meanwhile
  if (!r.ok) setState({ archive: { status, loading: false, tickets: [], error: errorText(r) } });
  else setState({ archive: { status, loading: false, tickets: Array.isArray(r.data?.tickets) ? r.data.tickets : [], error: null } });
}

export function togglePick(ref, on) {
  const picked = { ...getState().picked };
  if (on) picked[ref] = true;
  else delete picked[ref];
  setState({ picked });
}

export function pickAll(refs, on) {
  const picked = {};
  if (on) for (const r of refs) picked[r] = true;
  setState({ picked });
}

/** Picked rows that are still shown. */
export function pickedRefs(s, list) {
  return list.map((tk) => tk.ref).filter((r) => s.picked[r]);
}

/** Runs one frame per picked ticket, one after the other; says how it went. */
export async function bulk(refs, make) {
  let ok = 0;
  const failed = [];
  for (const ref of refs) {
    try {
      await sendRequest(make(ref));
      ok += 1;
    } catch (e) {
      failed.push({ ref, e });
    }
  }
  if (ok) toast(tn('bulk.done', ok), 'ok', 3000);
  if (failed.length) {
    toast(t('bulk.failed', { refs: failed.map((f) => formatRef(f.ref)).join(', '), msg: errorText(failed[0].e) }), 'error', 10000);
  }
  setState({ picked: Object.fromEntries(failed.map((f) => [f.ref, true])) });
  return { ok, failed: failed.length };
}

export function BulkBar({ s, list }) {
  const refs = pickedRefs(s, list);
  if (!refs.length) return null;
  const me = s.agent?.name || '';
  return html`
    <div class="bulkbar" role="toolbar" aria-label=${t('bulk.label')} data-bulk>
      <span class="small" aria-live="polite">${tn('bulk.selected', refs.length)}</span>
      ${me && html`<button type="button" class="btn sm" data-action="bulk-assign-me"
        onClick=${() => bulk(refs, (ticket) => ({ type: 'assign', ticket, agent: me }))}>${t('ticket.assignMe')}</button>`}
      <button type="button" class="btn sm" data-action="bulk-pending"
        onClick=${() => bulk(refs, (ticket) => ({ type: 'status', ticket, status: 'pending' }))}>${t('ticket.pending')}</button>
      <button type="button" class="btn sm" data-action="bulk-close" onClick=${() => openDialog('close-bulk')}>${t('close.action')}</button>
      <button type="button" class="btn sm linkish" data-action="bulk-clear" onClick=${() => pickAll([], false)}>${t('bulk.clear')}</button>
    </div>`;
}

const REASONS = ['spam', 'duplicate', 'other'];

/** Close without a reply: the open ticket (bulk = false) or the picked rows. */
export function CloseQuietDialog({ s, bulk: many, list }) {
  const [reason, setReason] = useState('spam');
  const [busy, setBusy] = useState(false);
  const refs = many ? pickedRefs(s, list) : [s.current?.ref].filter(Boolean);
  async function submit(e) {
    e.preventDefault();
    if (!refs.length) return;
    setBusy(true);
    const done = many
      ? (await bulk(refs, (ticket) => ({ type: 'status', ticket, status: 'closed', reason }))).failed === 0
      : await setStatus('closed', undefined, reason);
    setBusy(false);
    if (done) closeDialog();
  }
  const title = many ? tn('close.titleMany', refs.length) : `${t('close.title')} · ${formatRef(refs[0] || '')}`;
  return html`
    <${Dialog} title=${title} id="close-quiet" describedBy="close-quiet-hint">
      <form class="dlg-form" onSubmit=${submit}>
        <p id="close-quiet-hint" class="muted">${t('close.hint')}</p>
        <fieldset class="reasons">
          <legend>${t('close.reason')}</legend>
          ${REASONS.map((r) => html`
            <label class="radio"><input type="radio" name="close-reason" value=${r} checked=${reason === r}
              onChange=${() => setReason(r)} /> ${t(`close.reason.${r}`)}</label>`)}
        </fieldset>
        <div class="dlg-foot">
          <button type="button" class="btn" onClick=${closeDialog}>${t('ticket.cancel')}</button>
          <button type="submit" class="btn danger" disabled=${busy || !refs.length} data-action="close-quiet-go">${t('close.go')}</button>
        </div>
      </form>
    <//>`;
}
