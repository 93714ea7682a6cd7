import { html } from 'htm/preact';
import { t, channelLabel, statusLabel } from './i18n.js';
import { updateSettings } from './store.js';

export function LangToggle({ lang }) {
  return html`
    <div class="seg seg-sm" role="group" aria-label=${t('header.lang')}>
      ${['es', 'en'].map((l) => html`
        <button type="button" class=${lang === l ? 'on' : ''} aria-pressed=${lang === l ? 'true' : 'false'}
          lang=${l} title=${t(`lang.${l}`)} onClick=${() => updateSettings({ lang: l })}>${l.toUpperCase()}</button>`)}
    </div>`;
}

export function ChannelBadge({ ch }) {
  return html`<span class=${`badge ch ch-${/^[a-z]+$/.test(ch || '') ? ch : 'other'}`}>${channelLabel(ch)}</span>`;
}

export function StatusPill({ status }) {
  return html`<span class=${`pill st-${/^[a-z]+$/.test(status || '') ? status : 'other'}`}>${statusLabel(status)}</span>`;
}
