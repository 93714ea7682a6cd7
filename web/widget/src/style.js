// The widget's CSS. It lives in the shadow root only: host-page rules cannot
// reach inside, and nothing here can leak out. `:host` rules are !important
// so that host-page rules aimed at the host element (`* {…!important}`)
// lose to them (for important declarations the shadow tree wins).

export const CSS = `
:host {
  all: initial !important;
  display: block !important;
  position: fixed !important;
  z-index: 2147483000 !important;
  bottom: 20px !important;
  right: 20px !important;
  left: auto !important;
  top: auto !important;
  width: auto !important;
  height: auto !important;
  margin: 0 !important;
  padding: 0 !important;
  border: 0 !important;
  transform: none !important;
  filter: none !important;
  opacity: 1 !important;
  visibility: visible !important;
  pointer-events: none !important;
  direction: ltr !important;
}
:host([data-position="left"]) { left: 20px !important; right: auto !important; }
* { box-sizing: border-box; }
.root {
  --accent: var(--hilo-accent, #4f46e5);
  --on-accent: var(--hilo-on-accent, #fff);
  --ink: #1f2430; --muted: #667085; --line: #e4e7ec; --bg: #fff; --soft: #f4f5f8;
  --ok: #067647; --ok-bg: #ecfdf3; --warn: #93370d; --warn-bg: #fffaeb;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  color: var(--ink);
  -webkit-font-smoothing: antialiased;
  text-align: left;
  letter-spacing: normal;
  word-spacing: normal;
  text-transform: none;
  pointer-events: none;
  display: flex; flex-direction: column; align-items: flex-end; gap: 12px;
}
:host([data-position="left"]) .root { align-items: flex-start; }
button, input, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
a { color: inherit; }
.launcher {
  pointer-events: auto;
  width: 58px; height: 58px; border-radius: 50%; border: 0; cursor: pointer;
  background: var(--accent); color: var(--on-accent);
  box-shadow: 0 6px 20px rgba(16, 24, 40, .25);
  display: grid; place-items: center; position: relative; padding: 0; margin: 0;
  transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.05); }
.launcher:focus-visible, .btn:focus-visible, .icon-btn:focus-visible, .alt a:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 2px; }
.launcher svg { width: 28px; height: 28px; display: block; }
.badge {
  position: absolute; top: -3px; right: -3px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: #d92d20; color: #fff; font-size: 12px; font-weight: 700;
  display: grid; place-items: center; border: 2px solid #fff;
}
.panel {
  pointer-events: auto;
  width: 370px; height: min(620px, calc(100vh - 110px));
  background: var(--bg); border-radius: 16px; overflow: hidden;
  box-shadow: 0 16px 48px rgba(16, 24, 40, .28), 0 0 0 1px rgba(16, 24, 40, .06);
  display: flex; flex-direction: column;
}
.panel[hidden] { display: none; }
@media (max-width: 480px) {
  .panel { position: fixed; inset: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
  .open .launcher { display: none; }
  /* iOS zooms into fields under 16 px. */
  .composer textarea, .prechat input { font-size: 16px; }
  .alt[open] .alt-links { max-height: 30vh; overflow-y: auto; }
}
.head { background: var(--accent); color: var(--on-accent); padding: 14px 14px 12px 18px; display: flex; align-items: flex-start; gap: 10px; }
.head-text { flex: 1; min-width: 0; }
.title { font-size: 16px; font-weight: 650; margin: 0; line-height: 1.3; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sub { font-size: 12.5px; opacity: .88; margin-top: 2px; }
.hours { font-size: 12.5px; margin-top: 4px; display: flex; gap: 6px; align-items: flex-start; line-height: 1.35; overflow-wrap: anywhere; }
.hours-dot { width: 8px; height: 8px; border-radius: 50%; flex: none; background: #98a2b3; box-shadow: 0 0 0 1.5px var(--on-accent); margin-top: 4px; }
.hours-dot.open { background: #12b76a; }
.icon-btn { background: transparent; border: 0; color: inherit; cursor: pointer; width: 32px; height: 32px; border-radius: 8px; display: grid; place-items: center; padding: 0; flex: none; }
.icon-btn:hover { background: rgba(255, 255, 255, .18); }
.icon-btn svg { width: 20px; height: 20px; }
.case { font-size: 12.5px; padding: 7px 14px; border-bottom: 1px solid var(--line, #e4e7ec); display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
.case-line { display: flex; gap: 6px; align-items: center; }
.case-dot { width: 8px; height: 8px; border-radius: 50%; background: #98a2b3; flex: none; }
.case-dot.in_progress { background: #2e90fa; } .case-dot.waiting { background: #f79009; } .case-dot.resolved { background: #12b76a; }
.case-notify { display: flex; gap: 6px; align-items: center; }
.case-notify select { font: inherit; font-size: 12.5px; }
.case-said { flex-basis: 100%; }
.status { font-size: 12.5px; padding: 7px 14px; background: var(--warn-bg); color: var(--warn); border-bottom: 1px solid #fedf89; display: flex; gap: 8px; align-items: center; }
.status::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: #f79009; flex: none; }
.log { flex: 1; overflow-y: auto; padding: 14px 14px 6px; background: var(--soft); display: flex; flex-direction: column; gap: 8px; overscroll-behavior: contain; }
.log:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: -3px; }
.intro { background: var(--bg); border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; color: var(--ink); }
.prechat { margin-top: 10px; display: grid; gap: 6px; }
.prechat-title { font-size: 12.5px; color: var(--muted); }
.prechat input { width: 100%; border: 1px solid var(--line); border-radius: 8px; padding: 7px 10px; background: #fff; outline: none; }
.prechat input:focus { border-color: var(--accent); }
.row { display: flex; flex-direction: column; max-width: 85%; }
.row.me { align-self: flex-end; align-items: flex-end; }
.row.them { align-self: flex-start; align-items: flex-start; }
.who { font-size: 11.5px; color: var(--muted); margin: 0 4px 2px; }
.bubble {
  padding: 8px 12px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere; word-break: normal;
  unicode-bidi: plaintext; max-width: 100%;
}
.me .bubble { background: var(--accent); color: var(--on-accent); border-bottom-right-radius: 5px; }
.them .bubble { background: var(--bg); border: 1px solid var(--line); border-bottom-left-radius: 5px; }
.meta { font-size: 11px; color: var(--muted); margin: 2px 6px 0; display: flex; gap: 6px; align-items: center; }
.meta.failed { color: #b42318; }
.chan { display: inline-block; font-size: 10.5px; font-weight: 650; text-transform: uppercase; letter-spacing: .04em; padding: 1px 6px; border-radius: 6px; background: #eef2ff; color: #3538cd; }
.chan.whatsapp { background: #dcfae6; color: #085d3a; }
.chan.sms { background: #fef0c7; color: #93370d; }
.chan.voice { background: #fce7f6; color: #9e165f; }
.chan.email { background: #e0f2fe; color: #026aa2; }
.pending .bubble { opacity: .7; }
.card { align-self: stretch; border-radius: 12px; padding: 10px 12px; border: 1px solid var(--line); background: var(--bg); overflow-wrap: anywhere; unicode-bidi: plaintext; }
.card-label { font-size: 11.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; display: flex; align-items: center; gap: 6px; margin-bottom: 4px; }
.card.ack { border-color: color-mix(in srgb, var(--accent) 35%, #fff); background: color-mix(in srgb, var(--accent) 6%, #fff); }
.card.ack .card-label { color: var(--accent); }
.ref { font-variant-numeric: tabular-nums; font-weight: 700; letter-spacing: .04em; white-space: nowrap; }
.card .text { white-space: pre-wrap; }
.card .small { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.card.resolution { border: 1px solid #abefc6; background: var(--ok-bg); }
.card.resolution .card-label { color: var(--ok); }
.survey-scale { display: flex; gap: 6px; margin-top: 8px; }
.survey-btn[aria-pressed="true"] { opacity: 1; outline: 2px solid var(--ink); }
.card svg { width: 14px; height: 14px; }
.verify { margin: 8px 12px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 10px; background: var(--bg); font-size: 13px; display: flex; flex-direction: column; gap: 6px; }
.verify-title { font-weight: 600; }
.verify-code { font-size: 22px; font-weight: 700; letter-spacing: 4px; font-variant-numeric: tabular-nums; user-select: all; }
.verify-hint { font-size: 12px; color: var(--muted); }
.verify-dismiss { align-self: flex-end; font: inherit; font-size: 12px; background: none; border: 1px solid var(--line); border-radius: 6px; padding: 3px 8px; cursor: pointer; color: inherit; }
.note { align-self: center; font-size: 12px; color: var(--muted); background: var(--bg); border: 1px solid var(--line); border-radius: 999px; padding: 3px 10px; text-align: center; }
.typing { font-size: 12.5px; color: var(--muted); padding: 2px 4px; display: flex; align-items: center; gap: 6px; }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite; }
.dots i:nth-child(2) { animation-delay: .2s; } .dots i:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; } .launcher { transition: none; } }
.alt { border-top: 1px solid var(--line); padding: 6px 12px 8px; background: var(--bg); }
.alt-title { font-size: 11.5px; color: var(--muted); cursor: pointer; padding: 2px 0; }
.alt-title:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 2px; border-radius: 4px; }
.alt-links { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.copy { font-size: 11.5px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); padding: 0 6px; margin-left: 2px; cursor: pointer; line-height: 1.5; }
.copy:hover { border-color: var(--accent); }
.copy:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 45%, transparent); outline-offset: 2px; }
.alt a { text-decoration: none; font-size: 12.5px; border: 1px solid var(--line); border-radius: 999px; padding: 4px 10px; display: inline-flex; align-items: center; gap: 5px; color: var(--ink); background: #fff; }
.alt a:hover { border-color: var(--accent); }
.alt svg { width: 14px; height: 14px; flex: none; }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px 12px; border-top: 1px solid var(--line); background: var(--bg); }
.composer textarea {
  flex: 1; resize: none; border: 1px solid var(--line); border-radius: 12px; padding: 9px 12px; min-height: 40px; max-height: 140px;
  outline: none; background: #fff; line-height: 1.4; unicode-bidi: plaintext; overflow-y: auto;
}
.composer textarea:focus { border-color: var(--accent); }
.btn { background: var(--accent); color: var(--on-accent); border: 0; border-radius: 12px; height: 40px; min-width: 40px; padding: 0 12px; cursor: pointer; display: grid; place-items: center; }
.btn[disabled] { opacity: .45; cursor: default; }
.btn svg { width: 18px; height: 18px; }
.counter { font-size: 11px; color: #b42318; padding: 0 14px 6px; background: var(--bg); }
.foot { font-size: 10.5px; color: var(--muted); text-align: center; padding: 0 0 6px; background: var(--bg); }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.them .who { display: flex; align-items: center; gap: 6px; }
.avatar { display: inline-grid; place-items: center; width: 22px; height: 22px; border-radius: 50%; background: var(--accent); color: var(--on-accent); font-size: 10px; font-weight: 700; }
.tick { letter-spacing: -2px; }
.tick.seen { color: var(--accent); }
`;
