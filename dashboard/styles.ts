import { FONT_FAMILY } from './font-family.js';

/**
 * The dashboard's styles, scoped to its shadow root. Colours are custom properties so dark mode
 * (prefers-color-scheme) swaps one block; widths follow the element (a container query), so an
 * embedded dashboard in a narrow column stacks its tables into cards as a phone does.
 */
export const STYLES = `
:host {
  --bg: #f6f7f9; --fg: #15202b; --panel: #fff; --line: #dde3ea; --line-soft: #e6eaf0; --muted: #5b6778;
  --head-bg: #eef1f5; --head-fg: #334155; --link: #1d5bbf; --hover: #f7f9fc; --input-border: #767f8c;
  --btn-hover: #eef3fa; --primary: #2e63c7; --primary-hover: #2553ab; --bad: #b42318; --good: #1f7a3f;
  --warn-bg: #fff6e0; --warn-line: #f0c36d; --warn-fg: #6b4500; --ok-bg: #eaf7ee; --ok-line: #9fd8b1; --ok-fg: #1f5e34;
  --err-bg: #fdecec; --err-line: #efa3a3; --err-fg: #8c1d1d; --tag-bg: #e8eef9; --tag-fg: #274b8f;
  --chip-bg: #f1f4f8; --chip-line: #d5dce6; --bar: #e6eaf0; --bar-fill: #c2410c;
  --node-fill: #eef5ff; --node-line: #3567c4; --node-bad-fill: #fdecec; --node-text: #15202b; --node-text-2: #3d4a5c; --edge: #8793a5;
  display: block; container-type: inline-size; font: 14px/1.45 ${FONT_FAMILY};
  color: var(--fg); background: var(--bg); min-height: 100%; color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :host {
    --bg: #0f141b; --fg: #e3e9f1; --panel: #161d27; --line: #2b3645; --line-soft: #243040; --muted: #9aa7b8;
    --head-bg: #1c2532; --head-fg: #c9d4e3; --link: #8fb4ff; --hover: #1a2330; --input-border: #5d6b80;
    --btn-hover: #202b3a; --primary: #3b6fd4; --primary-hover: #4a7de0; --bad: #ff8a80; --good: #6fd394;
    --warn-bg: #2e2410; --warn-line: #7a5c1e; --warn-fg: #f3d28b; --ok-bg: #12271a; --ok-line: #2f6b44; --ok-fg: #a6e3b8;
    --err-bg: #34161a; --err-line: #7a2d35; --err-fg: #ffb4b4; --tag-bg: #22314a; --tag-fg: #b9cdf5;
    --chip-bg: #1c2532; --chip-line: #334155; --bar: #2b3645; --bar-fill: #f08a4b;
    --node-fill: #1a2a44; --node-line: #6d95e0; --node-bad-fill: #3a1a1e; --node-text: #e3e9f1; --node-text-2: #b8c4d4; --edge: #7d8aa0;
  }
}
* { box-sizing: border-box; }
a { color: var(--link); text-decoration: underline; text-decoration-thickness: 1px; text-underline-offset: 2px; }
header nav a, a.plain { text-decoration: none; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 18px; background: #1b2636; color: #e8edf4; }
header h1 { font-size: 18px; margin: 0; font-weight: 700; letter-spacing: .2px; }
header h1 span { color: #8fb4ff; }
header nav { display: flex; gap: 4px; flex-wrap: wrap; }
header nav a { color: #c9d4e3; padding: 4px 10px; border-radius: 6px; }
header nav a[aria-current="page"] { background: #33425a; color: #fff; }
form.command { display: flex; flex: 1 1 340px; gap: 6px; min-width: 0; }
form.command input { flex: 1; min-width: 0; }
.live { font-size: 12px; color: #a9b6c8; display: flex; align-items: center; gap: 6px; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #3fbf6f; display: inline-block; }
.live.off::before { background: #8a94a3; }
.readonly { font-size: 12px; color: #c9d4e3; border: 1px solid #46566e; border-radius: 10px; padding: 0 8px; }
input, select, button, textarea { font: inherit; font-size: 13px; }
input, select, textarea { padding: 5px 8px; border: 1px solid var(--input-border); border-radius: 6px; background: var(--panel); color: var(--fg); max-width: 100%; }
header input { border-color: #5d6b80; background: #101826; color: #e8edf4; }
header input::placeholder { color: #9aa7b8; }
button { padding: 5px 12px; border-radius: 6px; border: 1px solid var(--input-border); background: var(--panel); color: var(--fg); cursor: pointer; }
button:hover { background: var(--btn-hover); }
button:disabled { cursor: not-allowed; opacity: .6; }
button.primary { background: var(--primary); border-color: var(--primary); color: #fff; }
button.primary:hover { background: var(--primary-hover); }
button.flag { padding: 1px 8px; font-size: 12px; }
button.flag[aria-pressed="true"] { background: var(--err-bg); border-color: var(--bad); color: var(--err-fg); }
main { padding: 16px 18px 40px; }
h2 { font-size: 18px; margin: 4px 0 12px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: var(--head-fg); }
.muted { color: var(--muted); }
/* Monospace is the generic face alone: each named face a machine lacks is a blocking font lookup (3 on Linux). */
.mono { font-family: monospace; font-size: 12.5px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; font-size: 13px; }
th { text-align: left; background: var(--head-bg); padding: 7px 10px; font-weight: 600; color: var(--head-fg); white-space: nowrap; }
td { padding: 6px 10px; border-top: 1px solid var(--line-soft); vertical-align: top; }
tbody tr:hover { background: var(--hover); }
table.kv { width: auto; min-width: 50%; }
table.kv th { background: none; color: var(--muted); font-weight: 400; border-top: 1px solid var(--line-soft); }
.status-failed, .bad { color: var(--bad); font-weight: 600; }
.status-succeeded { color: var(--good); }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 12px; }
.toolbar label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 420px); gap: 16px; align-items: start; }
@container (max-width: 1000px) { .split { grid-template-columns: minmax(0, 1fr); } }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.graph { overflow: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 4px; max-height: 72vh; }
.graph svg g[data-run]:hover rect { filter: brightness(0.96); }
.graph svg g[data-run]:focus { outline: none; }
.graph svg g[data-run]:focus rect { stroke: #f59e0b; stroke-width: 3; }
.graph svg g[data-run] rect { fill: var(--node-fill); }
.graph svg g[data-status="failed"] rect { fill: var(--node-bad-fill); }
.graph svg g[data-run]:not([data-selected]) rect { stroke: var(--node-line); }
.graph svg g[data-status="failed"]:not([data-selected]) rect { stroke: var(--bad); }
.graph svg g[data-run] text { fill: var(--node-text-2); }
.graph svg g[data-run] text:first-of-type { fill: var(--node-text); }
.graph svg g[data-hit] rect { stroke: #f59e0b; stroke-width: 4; }
.graph svg path { stroke: var(--edge); }
.overview { display: flex; gap: 10px; align-items: flex-start; padding: 6px; }
.overview .level { flex: 0 0 210px; }
.overview .level h3 { margin: 0 0 6px; font-size: 12px; font-weight: 400; color: var(--muted); text-transform: uppercase; }
.overview .head b { font-weight: 400; color: var(--node-text); }
.overview .group { background: var(--node-fill); border: 1px solid var(--node-line); border-radius: 7px; padding: 6px 8px; margin: 0 0 6px; }
.overview .head { cursor: pointer; display: list-item; list-style: disclosure-closed inside; }
.overview .head[aria-expanded="true"] { list-style-type: disclosure-open; }
.overview .group[data-hit], .overview [data-run][data-hit] { outline: 3px solid #f59e0b; }
.graph svg > text { fill: var(--warn-fg); }
.graph[data-far] svg g[data-run] text { display: none; }
.graph:focus-visible { outline: 2px solid var(--primary); outline-offset: 1px; }
.toolbar.zoom canvas.minimap { border: 1px solid var(--line); border-radius: 4px; background: var(--panel); cursor: crosshair; max-width: 40vw; }
dl.card { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 12px; margin: 0 0 8px; }
dl.card dt { color: var(--muted); }
dl.card dd { margin: 0; min-width: 0; }
ul.pointers { list-style: none; padding: 0; margin: 0; }
ul.pointers li { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; padding: 3px 0; border-top: 1px dashed var(--line-soft); }
ul.pointers li .mono { flex: 1 1 12em; }
.warn { background: var(--warn-bg); border: 1px solid var(--warn-line); color: var(--warn-fg); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.warn summary { cursor: pointer; }
.ok { background: var(--ok-bg); border: 1px solid var(--ok-line); color: var(--ok-fg); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.error { background: var(--err-bg); border: 1px solid var(--err-line); color: var(--err-fg); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.note { background: var(--head-bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
pre.snapshot { background: #0f1722; color: #dbe4f0; padding: 10px; border-radius: 6px; overflow: auto; max-height: 260px; font-size: 12px; }
.notes li { margin: 4px 0; }
.tag { display: inline-block; background: var(--tag-bg); color: var(--tag-fg); border-radius: 10px; padding: 0 8px; margin: 0 4px 2px 0; font-size: 12px; }
.tie { border-left: 4px solid var(--warn-line); }
tr[data-gate="failed"] td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
.rank { font-weight: 700; font-size: 15px; }
.bar { height: 6px; background: var(--bar); border-radius: 3px; min-width: 60px; }
.bar > span { display: block; height: 100%; background: var(--bar-fill); border-radius: 3px; }
.step { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; margin: 0 0 8px; }
.rowchip { display: inline-block; font-family: monospace; font-size: 12px; background: var(--chip-bg); border: 1px solid var(--chip-line); border-radius: 5px; padding: 0 6px; margin: 2px 4px 2px 0; }
button.rowchip { cursor: pointer; color: var(--link); }
.incidents { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px; margin-bottom: 14px; }
.incident { background: var(--panel); border: 1px solid var(--line); border-left: 5px solid var(--bad); border-radius: 8px; padding: 8px 12px; }
.incident.calm { border-left-color: var(--good); }
.incident .count { font-size: 22px; font-weight: 700; }
.incident ul { margin: 4px 0 0; padding-left: 18px; }
.toast { position: fixed; left: 16px; bottom: 16px; background: #1b2636; color: #fff; padding: 8px 14px; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); max-width: min(420px, calc(100% - 32px)); }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
/* Narrow screens (a phone, or a narrow column of a host page): each table row is a card. */
@container (max-width: 640px) {
  header { padding: 8px 10px; }
  main { padding: 12px 10px 32px; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack { border: none; background: none; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin: 0 0 8px; padding: 4px 0; }
  table.stack td { border: none; padding: 2px 10px; display: grid; grid-template-columns: 8.5em minmax(0, 1fr); gap: 8px; }
  table.stack td::before { content: attr(data-label); color: var(--muted); font-size: 12px; }
  table.stack td[data-label=""] { grid-template-columns: minmax(0, 1fr); }
  table.stack td[data-label=""]::before { display: none; }
}
`;
