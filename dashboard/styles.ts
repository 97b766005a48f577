/** The dashboard's styles, scoped to its shadow root. */
export const STYLES = `
:host { display: block; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #15202b; background: #f6f7f9; min-height: 100%; }
* { box-sizing: border-box; }
a { color: #1d5bbf; text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 18px; background: #1b2636; color: #e8edf4; }
header h1 { font-size: 16px; margin: 0; font-weight: 650; letter-spacing: .2px; }
header h1 span { color: #8fb4ff; }
nav { display: flex; gap: 4px; flex-wrap: wrap; }
nav a { color: #c9d4e3; padding: 4px 10px; border-radius: 6px; }
nav a[aria-current="page"] { background: #33425a; color: #fff; }
form.command { display: flex; flex: 1 1 340px; gap: 6px; }
form.command input { flex: 1; min-width: 0; }
.live { font-size: 12px; color: #a9b6c8; display: flex; align-items: center; gap: 6px; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #3fbf6f; display: inline-block; }
.live.off::before { background: #8a94a3; }
input, select, button, textarea { font: inherit; font-size: 13px; }
input, select, textarea { padding: 5px 8px; border: 1px solid #b8c2d0; border-radius: 6px; background: #fff; color: #15202b; }
header input { border-color: #46566e; background: #101826; color: #e8edf4; }
header input::placeholder { color: #7d8aa0; }
button { padding: 5px 12px; border-radius: 6px; border: 1px solid #9fb0c8; background: #fff; color: #15202b; cursor: pointer; }
button:hover { background: #eef3fa; }
button.primary { background: #2e63c7; border-color: #2e63c7; color: #fff; }
button.primary:hover { background: #2553ab; }
button.flag { padding: 1px 8px; font-size: 12px; }
button.flag[aria-pressed="true"] { background: #fdecec; border-color: #c62828; color: #a11d1d; }
main { padding: 16px 18px 40px; }
h2 { font-size: 18px; margin: 4px 0 12px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: #334155; }
.muted { color: #5b6778; }
.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde3ea; border-radius: 8px; overflow: hidden; font-size: 13px; }
th { text-align: left; background: #eef1f5; padding: 7px 10px; font-weight: 600; color: #334155; white-space: nowrap; }
td { padding: 6px 10px; border-top: 1px solid #e6eaf0; vertical-align: top; }
tbody tr:hover { background: #f7f9fc; }
.status-failed { color: #c62828; font-weight: 600; }
.status-succeeded { color: #1f7a3f; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 12px; }
.toolbar label { display: flex; flex-direction: column; font-size: 12px; color: #475569; gap: 2px; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 420px); gap: 16px; align-items: start; }
@media (max-width: 1000px) { .split { grid-template-columns: 1fr; } }
.panel { background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 12px 14px; }
.graph { overflow: auto; background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 4px; max-height: 72vh; }
.graph svg g[data-run]:hover rect { filter: brightness(0.96); }
.graph svg g[data-run]:focus { outline: none; }
.graph svg g[data-run]:focus rect { stroke: #f59e0b; stroke-width: 3; }
dl.card { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0 0 8px; }
dl.card dt { color: #5b6778; }
dl.card dd { margin: 0; }
ul.pointers { list-style: none; padding: 0; margin: 0; }
ul.pointers li { display: flex; gap: 8px; align-items: baseline; padding: 3px 0; border-top: 1px dashed #e6eaf0; }
ul.pointers li .mono { flex: 1; }
.warn { background: #fff6e0; border: 1px solid #f0c36d; color: #6b4500; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.ok { background: #eaf7ee; border: 1px solid #9fd8b1; color: #1f5e34; border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
.error { background: #fdecec; border: 1px solid #efa3a3; color: #8c1d1d; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
pre.snapshot { background: #0f1722; color: #dbe4f0; padding: 10px; border-radius: 6px; overflow: auto; max-height: 260px; font-size: 12px; }
.notes li { margin: 4px 0; }
.tag { display: inline-block; background: #e8eef9; color: #274b8f; border-radius: 10px; padding: 0 8px; margin: 0 4px 2px 0; font-size: 12px; }
.tie { border-left: 4px solid #f0c36d; }
.rank { font-weight: 700; font-size: 15px; }
.bar { height: 6px; background: #e6eaf0; border-radius: 3px; min-width: 60px; }
.bar > span { display: block; height: 100%; background: #c2410c; border-radius: 3px; }
.step { background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 8px 12px; margin: 0 0 8px; }
.rowchip { display: inline-block; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; background: #f1f4f8; border: 1px solid #d5dce6; border-radius: 5px; padding: 0 6px; margin: 2px 4px 2px 0; }
button.rowchip { cursor: pointer; color: #1d5bbf; }
.toast { position: fixed; left: 16px; bottom: 16px; background: #1b2636; color: #fff; padding: 8px 14px; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); max-width: 420px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;
