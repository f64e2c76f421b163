/** The dashboard's stylesheet (inline in the page, allowed by its hash in the CSP). */
export const DASHBOARD_STYLE = String.raw`
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --info: #0969da; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--bg); position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 1.15rem; margin: 0; }
.times { color: var(--muted); font-size: .85rem; display: flex; gap: 1rem; flex-wrap: wrap; }
main { padding: .5rem 1rem 2rem; }
section { margin: 1rem 0 1.5rem; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
#banner { display: none; padding: .6rem 1rem; background: #ffebe9; color: #82071e; border-bottom: 2px solid var(--bad); font-weight: 600; }
#banner.shown { display: block; }
.tiles { display: flex; flex-wrap: wrap; gap: .5rem; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .7rem; min-width: 7.5rem; }
.tile b { display: block; font-size: 1.2rem; }
.tile span { color: var(--muted); font-size: .8rem; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin-top: .6rem; }
button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
button:hover:not(:disabled) { background: var(--bg); }
button.primary { background: var(--ok); border-color: var(--ok); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; position: sticky; top: 0; }
.matrix td.cell { white-space: nowrap; }
.st { font-weight: 600; }
.st-replicated { color: var(--ok); }
.st-failed, .st-unhealthy { color: var(--bad); }
.st-missing { color: var(--warn); }
.st-inProgress, .st-unverified { color: var(--info); }
.st-degraded { color: var(--warn); }
.st-healthy { color: var(--ok); }
.drill-mismatch { color: var(--bad); font-weight: 600; }
.drill-failed { color: var(--warn); }
td.st-failed { background: #fff5f5; }
td.st-missing { background: #fff8e5; }
td.h-unhealthy { box-shadow: inset 3px 0 0 var(--bad); }
td.h-degraded { box-shadow: inset 3px 0 0 var(--warn); }
.muted { color: var(--muted); font-size: .85rem; }
.model button.expand { border: 0; padding: 0 .3rem 0 0; background: none; font-weight: 600; text-align: left; }
tr.detail td { background: var(--bg); }
.filters { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin-bottom: .5rem; }
input[type=search] { font: inherit; padding: .25rem .5rem; min-width: 16rem; }
select { font: inherit; padding: .2rem; }
.pager { display: flex; gap: .5rem; align-items: center; margin-top: .4rem; }
progress { width: 18rem; height: 1rem; vertical-align: middle; }
.outcome-succeeded { color: var(--ok); font-weight: 600; }
.outcome-partial { color: var(--warn); font-weight: 600; }
.outcome-failed { color: var(--bad); font-weight: 600; }
.outcome-dryRun { color: var(--info); font-weight: 600; }
dialog { border: 1px solid var(--line); border-radius: 8px; max-width: 32rem; }
dialog::backdrop { background: rgba(0,0,0,.3); }
#action-result:empty, #fo-result:empty { display: none; }
#fo-result { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .6rem 0; }
.fo-fields { display: flex; flex-direction: column; gap: .5rem; }
.fo-fields input[type=text] { font: inherit; padding: .25rem .5rem; }
.role-primary { color: var(--ok); font-weight: 600; }
#action-result { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin-top: .6rem; }
.failures td { font-size: .85rem; }
code { font-size: .85em; }
`;
