// Reports screen: GET /api/v1/reports?from&to (docs/rest.md).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { t, tn, channelLabel, getLang } from './i18n.js';
import { errorText, getState } from './store.js';
import {
  formatDurationOrDash, periodRange, fillDays, toDateInput,
} from './util.js';
import { BarChart } from './charts.js';

const COLORS = { created: '#2952cc', resolved: '#1e7d4f', tickets: '#2952cc', messages: '#b86e00', hist: '#6a2bb5' };

function loc() {
  return getLang() === 'es' ? 'es-ES' : 'en-GB';
}

function dayLabel(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(loc(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function fmtRange(from, to) {
  const o = { day: 'numeric', month: 'short', year: 'numeric' };
  return t('reports.range', { from: new Date(from).toLocaleDateString(loc(), o), to: new Date(to - 1).toLocaleDateString(loc(), o) });
}

function over(n) {
  if (!n) return t('reports.noData');
  return tn('reports.over', n);
}

function TimeCard({ id, title, m }) {
  const has = m && m.count > 0 && m.median_ms != null;
  return html`
    <section class="card stat" aria-labelledby=${`${id}-h`} data-stat=${id}>
      <h3 id=${`${id}-h`}>${title}</h3>
      <p class="big"><span class="sr">${t('reports.median')}: </span><span class="big-num" data-value="median">${has ? formatDurationOrDash(m.median_ms) : '—'}</span>
        <span class="big-unit" aria-hidden="true">${t('reports.median')}</span></p>
      <p class="stat-sub"><span title=${t('reports.p90')} data-value="p90">${t('reports.p90short', { d: has ? formatDurationOrDash(m.p90_ms) : '—' })}</span>
        <span class="muted"> · ${over(m?.count || 0)}</span></p>
    </section>`;
}

export function Reports() {
  const [period, setPeriod] = useState('7d');
  const [fromDay, setFromDay] = useState(() => toDateInput(Date.now() - 13 * 86400000));
  const [toDay, setToDay] = useState(() => toDateInput(Date.now()));
  const [range, setRange] = useState(() => periodRange('7d', Date.now()));
  const [rep, setRep] = useState({ loading: true, data: null, error: null });
  const [rangeErr, setRangeErr] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    setRep((r) => ({ ...r, loading: true, error: null }));
    api.getReports(range.from, range.to).then((r) => {
      if (!live) return;
      if (r.ok) setRep({ loading: false, data: r.data, error: null });
      else setRep({ loading: false, data: null, error: errorText(r) });
    });
    return () => { live = false; };
  }, [range.from, range.to, tick]);

  function choose(p) {
    setPeriod(p);
    setRangeErr('');
    if (p !== 'custom') setRange(periodRange(p, Date.now()));
  }
  function applyCustom(e) {
    e.preventDefault();
    const r = periodRange('custom', Date.now(), fromDay, toDay);
    if (!r) {
      setRangeErr(t('reports.badRange'));
      return;
    }
    setRangeErr('');
    setRange(r);
  }

  const d = rep.data;
  return html`
    <section class="screen reports" aria-labelledby="reports-title">
      <div class="screen-head">
        <h2 id="reports-title">${t('reports.title')}</h2>
        <div class="period" role="group" aria-label=${t('reports.period')}>
          <div class="seg seg-sm" role="group" aria-label=${t('reports.period')}>
            ${['7d', '30d', 'custom'].map((p) => html`
              <button type="button" class=${period === p ? 'on' : ''} aria-pressed=${period === p ? 'true' : 'false'}
                data-period=${p} onClick=${() => choose(p)}>${t(`reports.${p}`)}</button>`)}
          </div>
          ${period === 'custom' && html`
            <form class="custom-range" onSubmit=${applyCustom}>
              <label>${t('reports.from')} <input type="date" id="rep-from" value=${fromDay} max=${toDateInput(Date.now())}
                onInput=${(e) => setFromDay(e.currentTarget.value)} required /></label>
              <label>${t('reports.to')} <input type="date" id="rep-to" value=${toDay} max=${toDateInput(Date.now())}
                onInput=${(e) => setToDay(e.currentTarget.value)} required /></label>
              <button type="submit" class="btn sm primary">${t('reports.apply')}</button>
            </form>`}
          <span class="muted small range-text" aria-live="polite">${fmtRange(range.from, range.to)}</span>
          <button type="button" class="btn sm" onClick=${() => setTick((x) => x + 1)} data-action="refresh-report">${t('reports.refresh')}</button>
        </div>
      </div>
      ${rangeErr && html`<p class="field-error" role="alert">${rangeErr}</p>`}
      ${rep.error && html`<p class="error-box" role="alert">${rep.error}</p>`}
      ${rep.loading && !d && html`<p class="muted center" aria-busy="true">${t('reports.loading')}</p>`}
      ${d && html`<${ReportBody} d=${d} range=${range} busy=${rep.loading} />`}
    </section>`;
}

function ReportBody({ d, range, busy }) {
  const st = d.status || {};
  const sw = d.channel_switches || {};
  const days = fillDays(d.daily, d.from || range.from, d.to || range.to);
  const chans = [...new Set([...Object.keys(d.by_channel || {}), ...Object.keys(d.messages_by_channel || {})])].sort();
  const hist = sw.histogram || {};
  const histKeys = Object.keys(hist).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const per = Number(sw.per_ticket || 0).toLocaleString(loc(), { maximumFractionDigits: 2 });
  return html`
    <div class="report" aria-busy=${busy ? 'true' : 'false'}>
      <div class="stats">
        <section class="card stat" aria-labelledby="st-tickets-h" data-stat="tickets">
          <h3 id="st-tickets-h">${t('reports.tickets')}</h3>
          <p class="big"><span class="big-num" data-value="tickets">${Number(d.tickets || 0).toLocaleString(loc())}</span></p>
          <p class="stat-sub muted">${t('reports.statusNow', {
            list: ['open', 'pending', 'resolved', 'closed'].map((k) => tn(`reports.status.${k}`, st[k] || 0)).join(' · '),
          })}</p>
        </section>
        <${TimeCard} id="first-response" title=${t('reports.firstResponse')} m=${d.first_response} />
        <${TimeCard} id="resolution" title=${t('reports.resolution')} m=${d.resolution} />
        <section class="card stat" aria-labelledby="st-sw-h" data-stat="switches">
          <h3 id="st-sw-h">${t('reports.switches')}</h3>
          <p class="big"><span class="big-num">${per}</span> <span class="big-unit">${t('reports.perTicket')}</span></p>
          <p class="stat-sub muted">${[tn('reports.switchesTotal', sw.total || 0), tn('reports.ticketsN', sw.tickets_with_switches || 0), t('reports.perTicketN', { per })].join(' · ')}</p>
        </section>
      </div>
      ${!d.tickets && html`<p class="muted center">${t('reports.empty')}</p>`}
      <${SlaTable} sla=${d.sla} />
      <div class="charts">
        <${BarChart} id="chart-daily" title=${t('reports.daily')} xLabel=${t('reports.day')}
          labels=${days.map((x) => dayLabel(x.day))}
          series=${[
            { label: t('reports.created'), color: COLORS.created, values: days.map((x) => x.created) },
            { label: t('reports.resolved'), color: COLORS.resolved, values: days.map((x) => x.resolved) },
          ]} />
        <${BarChart} id="chart-channels" title=${t('reports.byChannel')} xLabel=${t('reports.channel')}
          labels=${chans.map((c) => channelLabel(c))}
          series=${[
            { label: t('reports.ticketsSeries'), color: COLORS.tickets, values: chans.map((c) => d.by_channel?.[c] || 0) },
            { label: t('reports.messagesSeries'), color: COLORS.messages, values: chans.map((c) => d.messages_by_channel?.[c] || 0) },
          ]} />
        <${BarChart} id="chart-switches" title=${t('reports.histogram')} xLabel=${t('reports.switches')}
          labels=${histKeys}
          series=${[{ label: t('reports.histTickets'), color: COLORS.hist, values: histKeys.map((k) => hist[k] || 0) }]} />
      </div>
      <${PerAgent} byAgent=${d.by_agent} />
    </div>`;
}

// Per agent (the tickets' current assignee): tickets, resolved, first response.
function PerAgent({ byAgent }) {
  const agents = getState().agents || [];
  const name = (id) => agents.find((a) => a.name === id)?.display || id;
  const rows = Object.entries(byAgent || {}).sort((a, b) => b[1].tickets - a[1].tickets || name(a[0]).localeCompare(name(b[0])));
  return html`
    <section class="card per-agent" aria-labelledby="per-agent-h" data-per-agent>
      <h3 id="per-agent-h">${t('reports.perAgent')}</h3>
      ${rows.length
        ? html`<table class="data">
            <caption class="sr">${t('reports.perAgentCaption')}</caption>
            <thead><tr><th scope="col">${t('reports.agent')}</th><th scope="col">${t('reports.tickets')}</th>
              <th scope="col">${t('reports.resolved')}</th><th scope="col">${t('reports.firstResponse')} (${t('reports.median')})</th></tr></thead>
            <tbody>${rows.map(([id, v]) => html`<tr data-agent=${id}>
              <th scope="row">${name(id)}</th><td>${Number(v.tickets || 0).toLocaleString(loc())}</td>
              <td>${Number(v.resolved || 0).toLocaleString(loc())}</td>
              <td>${v.first_response?.count ? formatDurationOrDash(v.first_response.median_ms) : '—'}</td></tr>`)}</tbody>
          </table>`
        : html`<p class="muted small">${t('reports.perAgentNone')}</p>`}
    </section>`;
}

// SLA attainment per team and per channel (docs/sla.md).
function slaCell(c) {
  const n = (c?.met || 0) + (c?.missed || 0);
  if (!n) return '—';
  const p = (c.met / n).toLocaleString(loc(), { style: 'percent', maximumFractionDigits: 0 });
  return t('reports.slaCell', { p, met: c.met, n });
}

function SlaTable({ sla }) {
  if (!sla) return null;
  const rows = [
    ...Object.keys(sla.by_team || {}).sort().map((k) => [k, sla.by_team[k]]),
    ...Object.keys(sla.by_channel || {}).sort().map((k) => [channelLabel(k), sla.by_channel[k]]),
  ];
  return html`
    <section class="card sla-report" aria-labelledby="sla-h" data-report="sla">
      <h3 id="sla-h">${t('reports.sla')}</h3>
      ${rows.length === 0 ? html`<p class="muted">${t('reports.slaNone')}</p>` : html`
        <table class="sla-table">
          <thead><tr><th scope="col">${t('reports.slaGroup')}</th><th scope="col">${t('sla.first_response')}</th><th scope="col">${t('sla.resolution')}</th></tr></thead>
          <tbody>
            <tr class="sla-all"><th scope="row">${t('queue.any')}</th><td>${slaCell(sla.first_response)}</td><td>${slaCell(sla.resolution)}</td></tr>
            ${rows.map(([name, c]) => html`<tr><th scope="row">${name}</th><td>${slaCell(c.first_response)}</td><td>${slaCell(c.resolution)}</td></tr>`)}
          </tbody>
        </table>`}
    </section>`;
}
