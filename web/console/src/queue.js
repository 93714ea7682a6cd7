import { html } from 'htm/preact';
import { memo } from 'preact/compat';
import { getLang } from './i18n.js';
import { t, tn, statusLabel, channelLabel, formatTime, formatFull } from './i18n.js';
import { useEffect } from 'preact/hooks';
import { visibleTickets, openTicket, setFilter } from './store.js';
import { loadArchive, togglePick, pickAll, pickedRefs, BulkBar } from './queue-actions.js';
import { TagChips, tagsOf, allTags } from './tags.js';
import { formatDuration, waitLevel, formatRef, slaView } from './util.js';
import { ChannelBadge } from './widgets.js';

export function Queue({ s }) {
  const list = visibleTickets(s);
  const total = Object.keys(s.tickets).length;
  const f = s.settings.filters;
  const channels = [...new Set(Object.values(s.tickets).flatMap((tk) => [tk.channel, tk.last_channel]).filter(Boolean))].sort();
  if (f.channel !== 'all' && !channels.includes(f.channel)) channels.push(f.channel);
  const teams = [...new Set(Object.values(s.tickets).map((tk) => tk.team).filter(Boolean))].sort();
  const team = f.team || 'all';
  if (team !== 'all' && team !== 'none' && !teams.includes(team)) teams.push(team);
  const current = s.current?.ref;
  const tagList = allTags(archivedList(s, f));
  const tag = f.tag || 'all';
  if (tag !== 'all' && !tagList.includes(tag)) tagList.push(tag);
  const countText = tn('queue.count', list.length);
  const archived = f.status === 'resolved' || f.status === 'closed';
  const ar = s.archive;
  useEffect(() => {
    if (archived || ar.status) loadArchive(archived ? f.status : '');
  }, [f.status]);
  const loaded = archived ? ar.status === f.status && !ar.loading : s.queueLoaded;
  const picked = pickedRefs(s, list);
  const allPicked = list.length > 0 && picked.length === list.length;

  return html`
    <section class="queue" aria-labelledby="queue-title">
      <div class="pane-head">
        <h2 id="queue-title">${t('queue.title')}</h2>
        <span class="muted small" aria-live="polite">${loaded ? countText : ''}</span>
      </div>
      <div class="filters" role="group" aria-label=${t('queue.filters')} id="queue-filters">
        <div class="seg seg-sm" role="group" aria-label=${t('queue.assignee')}>
          ${['all', 'mine', 'unassigned'].map((v) => html`
            <button type="button" class=${f.assignee === v ? 'on' : ''} aria-pressed=${f.assignee === v ? 'true' : 'false'}
              data-filter=${`assignee-${v}`} onClick=${() => setFilter('assignee', v)}>${t(`queue.assignee.${v}`)}</button>`)}
        </div>
        <div class="filter-selects">
          <label class="sel">
            <span class="sr">${t('queue.status')}</span>
            <select aria-label=${t('queue.status')} value=${f.status} onChange=${(e) => setFilter('status', e.currentTarget.value)}>
              <option value="all">${t('queue.status')}: ${t('queue.any')}</option>
              <option value="open">${statusLabel('open')}</option>
              <option value="pending">${statusLabel('pending')}</option>
              <option value="resolved">${statusLabel('resolved')}</option>
              <option value="closed">${statusLabel('closed')}</option>
            </select>
          </label>
          <label class="sel">
            <span class="sr">${t('queue.channel')}</span>
            <select aria-label=${t('queue.channel')} value=${f.channel} onChange=${(e) => setFilter('channel', e.currentTarget.value)}>
              <option value="all">${t('queue.channel')}: ${t('queue.any')}</option>
              ${channels.map((ch) => html`<option value=${ch}>${channelLabel(ch)}</option>`)}
            </select>
          </label>
          <label class="sel">
            <span class="sr">${t('queue.team')}</span>
            <select aria-label=${t('queue.team')} value=${team} onChange=${(e) => setFilter('team', e.currentTarget.value)} data-filter="team">
              <option value="all">${t('queue.team')}: ${t('queue.any')}</option>
              ${teams.map((x) => html`<option value=${x}>${x}</option>`)}
              <option value="none">${t('queue.noTeam')}</option>
            </select>
          </label>
          ${tagList.length > 0 && html`<label class="sel">
            <span class="sr">${t('tags.filter')}</span>
            <select aria-label=${t('tags.filter')} value=${tag} onChange=${(e) => setFilter('tag', e.currentTarget.value)} data-filter="tag">
              <option value="all">${t('tags.filter')}: ${t('queue.any')}</option>
              ${tagList.map((x) => html`<option value=${x}>${x}</option>`)}
            </select>
          </label>`}
        </div>
      </div>
      ${archived && ar.error && html`<p class="field-error" role="alert">${ar.error}</p>`}
      ${list.length > 0 && html`
        <div class="qtools">
          <label class="pickall small"><input type="checkbox" checked=${allPicked} data-pick-all
            onChange=${(e) => pickAll(list.map((tk) => tk.ref), e.currentTarget.checked)} /> ${t('bulk.pickAll')}</label>
          ${archived && html`<span class="muted small">${t('queue.archiveNote')}</span>`}
        </div>`}
      <${BulkBar} s=${s} list=${list} />
      ${!loaded
        ? html`<p class="empty muted">${archived ? t('queue.archiveLoading') : t('queue.loading')}</p>`
        : list.length === 0
          ? html`<p class="empty muted">${total || archived ? t('queue.empty') : t('queue.emptyAll')}</p>`
          : html`
            <ul class="qlist" aria-label=${t('queue.title')}>
              ${list.map((tk) => html`<${QueueItem} key=${tk.ref} tk=${tk} active=${tk.ref === current} unseen=${!!s.unseen[tk.ref]}
                now=${s.now} amberMin=${s.team.amberMin} redMin=${s.team.redMin} me=${s.agent?.name || ''} lang=${getLang()}
                agents=${s.agents} picked=${!!s.picked[tk.ref]} />`)}
            </ul>`}
    </section>`;
}

// Re-rendered only when its own props change (the queue may hold 1000 tickets).
const QueueItem = memo(({ tk, active, unseen, now, amberMin, redMin, me, agents, picked }) => {
  const done = tk.status === 'resolved' ? tk.resolved_at : tk.status === 'closed' ? tk.closed_at : 0;
  const assignee = tk.assignee ? ((agents || []).find((a) => a.name === tk.assignee)?.display || tk.assignee) : '';
  const level = waitLevel(tk, now, amberMin, redMin);
  const waitText = tk.waiting_since ? formatDuration(now - tk.waiting_since) : '';
  const mine = !!me && tk.assignee === me;
  const fu = tk.status === 'pending' && tk.follow_up_at ? tk.follow_up_at : 0;
  // The button's name is its visible text (what a voice-control user says)
  // followed by what the eye gets from colour and position alone.
  const extra = [
    tk.waiting_since ? t('queue.waiting', { d: waitText }) : '',
    assignee ? t('queue.assignedTo', { name: assignee }) : t('queue.unassigned'),
    unseen ? t('queue.new') : '',
  ].filter(Boolean).join(', ');
  return html`
    <li class=${`qrow${picked ? ' picked' : ''}`}>
      <input type="checkbox" class="qpick" checked=${picked} data-pick=${tk.ref}
        aria-label=${t('bulk.pick', { name: `${tk.name || t('queue.anonymous')} ${formatRef(tk.ref)}` })}
        onChange=${(e) => togglePick(tk.ref, e.currentTarget.checked)} />
      <button type="button" class=${`qi wait-${level}${active ? ' active' : ''}${unseen ? ' unseen' : ''}`}
        data-ref=${tk.ref} aria-current=${active ? 'true' : undefined}
        onClick=${() => openTicket(tk.ref)}>
        <span class="qi-row">
          <span class="qi-name">${unseen && html`<span class="dot" aria-hidden="true"></span>`}${tk.name || html`<span class="anon">${t('queue.anonymous')}</span>`}</span>
          ${done
            ? html`<span class="wait wait-none" title=${formatFull(done)}>${t(`queue.doneAt.${tk.status}`, { t: formatTime(done) })}</span>`
            : tk.waiting_since
            ? html`<span class=${`wait wait-${level}`} title=${t('queue.waiting', { d: waitText })}>${waitText}</span>`
            : html`<span class="wait wait-none">${t('queue.answered')}</span>`}
        </span>
        <span class="qi-row qi-meta">
          <${ChannelBadge} ch=${tk.last_channel || tk.channel} />
          <span class=${`st st-${tk.status}`}>${statusLabel(tk.status)}</span>
          <span class="ref">${formatRef(tk.ref)}</span>
          <span class=${`who${mine ? ' mine' : ''}`}>${assignee || '—'}${tk.team ? html`<span class="qteam"> · ${tk.team}</span>` : ''}</span>
        </span>
        ${fu ? html`<span class=${`qi-row qi-fu${fu <= now ? ' due' : ''}`} title=${formatFull(fu)} data-follow-up=${String(fu)}>
          <span aria-hidden="true">⏰</span> ${t('queue.followUp', { t: formatTime(fu) })}</span>` : ''}
        <${TagChips} tags=${tagsOf(tk)} cls="qi-tags" />
        ${SlaLine(slaView(tk), now)}
        <span class="qi-snippet">${tk.last_role === 'customer' ? '' : '↩ '}${tk.last_text || ''}</span>
        <span class="sr">, ${extra}</span>
      </button>
    </li>`;
});

// the tickets the filters choose from: the live queue, or the resolved / closed view
function archivedList(s, f) {
  return f.status === 'resolved' || f.status === 'closed' ? s.archive.tickets : Object.values(s.tickets);
}

// The SLA due time on a queue row: amber once warned, red once breached.
function SlaLine(v, now) {
  if (!v) return '';
  const cls = v.breached || v.due <= now ? 'breach' : v.warned ? 'warn' : '';
  const key = v.paused ? 'sla.paused' : v.breached ? 'sla.breached' : 'sla.due';
  return html`<span class=${`qi-row qi-sla ${cls}`} data-sla=${v.target} data-due=${String(v.due)} title=${formatFull(v.due)}>
    ${t(key, { what: t(`sla.${v.target}`), t: formatTime(v.due) })}</span>`;
}
