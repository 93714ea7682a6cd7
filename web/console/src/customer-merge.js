// Merge, undo and blocking in the customer card (docs/continuity.md,
// docs/rest.md "Merge, undo and blocking"): the customer's identities with
// their evidence (how and when each was proven, by whom) and
// block/unblock, what blocked identities sent, merge suggestions with
// accept (merge) / dismiss, and the merge history with undo.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { getLang, formatTime } from './i18n.js';

const S = {
  en: {
    title: 'Identities and merges', block: 'Block', unblock: 'Unblock', blocked: 'blocked',
    blockedMsgs: 'Messages from blocked identities', suggestions: 'Merge suggestions',
    none: 'None', merge: 'Merge into this customer', dismiss: 'Dismiss', history: 'Merge history',
    undo: 'Undo', undone: 'undone', reasons: { email: 'same email', name: 'same name' },
    mergedInto: 'Merged into', error: 'Could not do it:', confirmMerge: 'Merge customer {o} into this one?',
    how: { signed: 'signed by the site', token: 'visitor token', provider: 'from the provider', code: 'code confirmed', agent: 'approved by an agent', unrecorded: 'not recorded' },
  },
  es: {
    title: 'Identidades y fusiones', block: 'Bloquear', unblock: 'Desbloquear', blocked: 'bloqueada',
    blockedMsgs: 'Mensajes de identidades bloqueadas', suggestions: 'Sugerencias de fusión',
    none: 'Ninguna', merge: 'Fusionar en este cliente', dismiss: 'Descartar', history: 'Historial de fusiones',
    undo: 'Deshacer', undone: 'deshecha', reasons: { email: 'mismo email', name: 'mismo nombre' },
    mergedInto: 'Fusionado en', error: 'No se pudo:', confirmMerge: '¿Fusionar el cliente {o} en este?',
    how: { signed: 'firmada por el sitio', token: 'token del visitante', provider: 'del proveedor', code: 'código confirmado', agent: 'aprobada por un agente', unrecorded: 'sin registro' },
  },
};
const L = () => S[getLang()] || S.en;
const enc = encodeURIComponent;

export function CustomerMerge({ customerId, rev = 0 }) {
  const [d, setD] = useState(null);
  const [err, setErr] = useState('');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!customerId) return undefined;
    let live = true;
    (async () => {
      const id = enc(customerId);
      const [ids, sg, mg, bl] = await Promise.all([
        call('GET', `customers/${id}/identities`), call('GET', `customers/${id}/suggestions`),
        call('GET', `customers/${id}/merges`), call('GET', `customers/${id}/blocked`)]);
      if (!live) return;
      setD({
        ids: ids.ok ? ids.data.identities : [], sugg: sg.ok ? sg.data.suggestions : [],
        merges: mg.ok ? mg.data.merges : [], blocked: bl.ok ? bl.data.messages : [],
      });
    })();
    return () => { live = false; };
  }, [customerId, tick, rev]);
  if (!customerId || !d) return null;
  const l = L();
  const act = async (method, path, body) => {
    const r = await call(method, path, body);
    setErr(r.ok ? '' : `${l.error} ${r.code}`);
    setTick((n) => n + 1);
  };
  const id = enc(customerId);
  return html`
    <section class="customer-merge" aria-label=${l.title} data-customer=${customerId}>
      <h3 class="pane-sub">${l.title}</h3>
      ${err && html`<p class="error small" role="alert">${err}</p>`}
      <ul class="cm-ids">${d.ids.map((x) => html`
        <li key=${x.identity} data-identity=${x.identity}>
          <span>${x.shown}</span> ${x.blocked && html`<span class="pill cm-blocked">${l.blocked}</span>`}
          <span class="muted small cm-how" data-how=${x.how}>${l.how[x.how] || x.how}${x.by ? ` · ${x.by}` : ''}${x.at ? ` · ${formatTime(x.at)}` : ''}</span>
          <button type="button" class="cm-block"
            onClick=${() => act('POST', `customers/${id}/identities/${x.blocked ? 'unblock' : 'block'}`, { identity: x.identity })}>
            ${x.blocked ? l.unblock : l.block}</button>
        </li>`)}</ul>
      ${d.blocked.length > 0 && html`
        <h4 class="pane-sub">${l.blockedMsgs}</h4>
        <ul class="cm-blocked-msgs">${d.blocked.map((m) => html`
          <li key=${m.id}><span class="muted small">${m.identity} · ${formatTime(m.at)}</span> <span>${m.text}</span></li>`)}</ul>`}
      <h4 class="pane-sub">${l.suggestions}</h4>
      ${d.sugg.length ? html`<ul class="cm-sugg">${d.sugg.map((s) => {
        const other = s.a === customerId ? s.b : s.a;
        return html`<li key=${other} data-other=${other}>
          <span>${other}</span> <span class="muted small">${(s.reasons || []).map((r) => l.reasons[r] || r).join(', ')}</span>
          <button type="button" class="cm-accept" title=${l.confirmMerge.replace('{o}', other)}
            onClick=${() => act('POST', `customers/${enc(other)}/merge`, { into: customerId })}>${l.merge}</button>
          <button type="button" class="cm-dismiss"
            onClick=${() => act('POST', `customers/${id}/suggestions/${enc(other)}/dismiss`)}>${l.dismiss}</button>
        </li>`;
      })}</ul>` : html`<p class="muted small">${l.none}</p>`}
      <h4 class="pane-sub">${l.history}</h4>
      ${d.merges.length ? html`<ul class="cm-history">${d.merges.map((m) => html`
        <li key=${m.id} data-merge=${m.id}>
          <span>${m.from} → ${m.into}</span> <span class="muted small">${m.by_name} · ${formatTime(m.at)}</span>
          ${m.state === 'undone'
            ? html`<span class="pill">${l.undone}</span>`
            : html`<button type="button" class="cm-undo" onClick=${() => act('POST', `merges/${enc(m.id)}/undo`)}>${l.undo}</button>`}
        </li>`)}</ul>` : html`<p class="muted small">${l.none}</p>`}
    </section>`;
}
