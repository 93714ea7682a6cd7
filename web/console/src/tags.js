// Labels on tickets (#13): shown in the ticket header and the queue rows,
// edited in the header (the whole list goes out as a "tags" frame), and a
// queue filter. The summary carries them comma-joined ("vip,refund").
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './i18n.js';
import { sendRequest, toast, errorText } from './store.js';
import { tagsOf, parseTags } from './tagutil.js';

export { tagsOf, allTags, parseTags } from './tagutil.js';

export function TagChips({ tags, cls = '' }) {
  if (!tags.length) return null;
  return html`<span class=${`tags ${cls}`} data-tags=${tags.join(',')}>
    ${tags.map((x) => html`<span class="tag">${x}</span>`)}</span>`;
}

export function TagEditor({ tk, known }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [err, setErr] = useState('');
  const input = useRef(null);
  const tags = tagsOf(tk);
  useEffect(() => { setEditing(false); }, [tk.ref]);
  useEffect(() => { if (editing) input.current?.focus(); }, [editing]);
  function start() {
    setText(tags.join(', '));
    setErr('');
    setEditing(true);
  }
  async function save(e) {
    e.preventDefault();
    const list = parseTags(text);
    if (list.length > 10 || list.some((x) => new TextEncoder().encode(x).length > 32)) {
      setErr(t('tags.tooMany'));
      return;
    }
    try {
      await sendRequest({ type: 'tags', ticket: tk.ref, tags: list });
      setEditing(false);
    } catch (x) {
      toast(errorText(x), 'error', 8000);
    }
  }
  if (!editing) {
    return html`<span class="th-tags">
      <${TagChips} tags=${tags} />
      <button type="button" class="btn sm linkish" data-action="edit-tags" onClick=${start}
        aria-label=${tags.length ? t('tags.editLabel', { tags: tags.join(', ') }) : t('tags.add')}>${tags.length ? t('tags.edit') : t('tags.add')}</button></span>`;
  }
  return html`
    <form class="tag-form" onSubmit=${save}>
      <label class="sr" for="tag-input">${t('tags.label')}</label>
      <input id="tag-input" ref=${input} value=${text} list="tag-options" autocomplete="off" spellcheck="false"
        placeholder=${t('tags.placeholder')} aria-describedby="tag-hint"
        onInput=${(e) => setText(e.currentTarget.value)}
        onKeyDown=${(e) => { if (e.key === 'Escape') { e.stopPropagation(); setEditing(false); } }} />
      <datalist id="tag-options">${known.map((x) => html`<option value=${x}></option>`)}</datalist>
      <span id="tag-hint" class="sr">${t('tags.hint')}</span>
      <button type="submit" class="btn sm primary" data-action="save-tags">${t('tags.save')}</button>
      <button type="button" class="btn sm" onClick=${() => setEditing(false)}>${t('ticket.cancel')}</button>
      ${err && html`<span class="field-error" role="alert">${err}</span>`}
    </form>`;
}
