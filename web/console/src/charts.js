// Bar charts drawn with uPlot (bundled with its stylesheet, no CDN). Every
// chart also has a text summary (aria-label) and its data as a table.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { t } from './i18n.js';

function hexA(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** uPlot options for categorical bars: x = 0..n-1, one bar group per category. */
export function barOptions({ labels, series, width, height, xLabel }) {
  const n = series.length;
  const size = n > 1 ? 0.8 / n : 0.6;
  const aligns = n === 2 ? [-1, 1] : series.map(() => 0);
  return {
    width,
    height,
    padding: [10, 10, 0, 0],
    cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(0.5, labels.length - 0.5)] },
      y: { range: (u, min, max) => [0, Math.max(4, Math.ceil((max || 0) * 1.15))] },
    },
    axes: [
      {
        stroke: '#5f6b7a',
        grid: { show: false },
        ticks: { show: false },
        size: 34,
        splits: (u) => {
          const per = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / 64))));
          return labels.map((_, i) => i).filter((i) => i % per === 0);
        },
        values: (u, splits) => splits.map((v) => (Number.isInteger(v) && labels[v] != null ? labels[v] : '')),
      },
      {
        stroke: '#5f6b7a',
        grid: { stroke: '#e2e5eb', width: 1 },
        ticks: { show: false },
        size: 42,
        splits: (u, i, min, max) => {
          const step = Math.max(1, Math.ceil(max / 4));
          const out = [];
          for (let v = 0; v <= max; v += step) out.push(v);
          return out;
        },
        values: (u, splits) => splits.map((v) => String(v)),
      },
    ],
    series: [
      // With the cursor off the chart (idx null) the legend shows each
      // series' total for the period, so the values are readable at rest.
      { label: xLabel, value: (u, v, si, idx) => (idx == null ? t('reports.legendAll') : v == null ? '' : labels[v] ?? '') },
      ...series.map((s, k) => ({
        label: s.label,
        stroke: s.color,
        fill: hexA(s.color, 0.78),
        width: 1,
        points: { show: false },
        paths: uPlot.paths.bars({ size: [size, 48], align: aligns[k], gap: 1 }),
        value: (u, v, si, idx) => (idx == null ? String(s.values.reduce((a, x) => a + (Number(x) || 0), 0)) : v == null ? '' : String(v)),
      })),
    ],
  };
}

/**
 * <BarChart id title labels series=[{label, color, values}] xLabel height />
 */
export function BarChart({ id, title, labels, series, xLabel, height = 210 }) {
  const box = useRef(null);
  const key = JSON.stringify([labels, series.map((s) => [s.label, s.values])]);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = Math.max(240, Math.floor(el.clientWidth || 400));
    const data = [labels.map((_, i) => i), ...series.map((s) => s.values.map((v) => Number(v) || 0))];
    const plot = new uPlot(barOptions({ labels, series, width, height, xLabel }), data, el);
    let ro = null;
    if (typeof ResizeObserver !== 'undefined') {
      ro = new ResizeObserver(() => {
        const w = Math.max(240, Math.floor(el.clientWidth));
        if (w && w !== plot.width) plot.setSize({ width: w, height });
      });
      ro.observe(el);
    }
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [key, height]);

  const summary = series
    .map((s) => `${s.label}: ${labels.map((l, i) => `${l} ${s.values[i] ?? 0}`).join(', ')}`)
    .join('; ');
  return html`
    <figure class="chart" id=${id} aria-labelledby=${`${id}-cap`}>
      <figcaption id=${`${id}-cap`} class="chart-title">${title}</figcaption>
      <div class="chart-plot" ref=${box} role="img" aria-label=${t('reports.chartSummary', { title, summary })}></div>
      <details class="chart-data">
        <summary>${t('reports.table')}</summary>
        <table>
          <thead><tr><th scope="col">${xLabel}</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
          <tbody>
            ${labels.map((l, i) => html`<tr><th scope="row">${l}</th>${series.map((s) => html`<td>${s.values[i] ?? 0}</td>`)}</tr>`)}
          </tbody>
        </table>
      </details>
    </figure>`;
}
