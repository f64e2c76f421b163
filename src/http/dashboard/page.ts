/**
 * The dashboard page: one self-contained HTML document (inline script and stylesheet, no
 * external resource of any kind), served with a strict Content-Security-Policy that allows
 * exactly that script and that stylesheet by their SHA-256 hashes, same-origin API calls,
 * and nothing else.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './script';
import { DASHBOARD_STYLE } from './style';

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${hash(DASHBOARD_SCRIPT)}`,
  `style-src ${hash(DASHBOARD_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Response headers of the page: the CSP, no sniffing, no caching, no framing, no referrer (the URL may hold the key). */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const BODY = `
<div id="banner" role="alert" aria-live="assertive"></div>
<header>
  <h1>Model DR readiness</h1>
  <div class="times">
    <span id="page-time"></span><span id="data-time"></span><span id="fetch-time"></span>
    <span id="refresh-every"></span><button type="button" id="refresh">Refresh now</button>
  </div>
</header>
<main>
  <section aria-labelledby="h-summary">
    <h2 id="h-summary">Summary</h2>
    <div class="tiles" id="tiles"></div>
    <p class="muted" id="not-copyable"></p>
    <p class="muted" id="health-summary"></p>
    <table class="by-region"><thead><tr><th>Region</th><th>Health</th><th>Replicated</th><th>Missing</th><th>Failed</th><th>In progress</th><th>Oldest verified copy</th></tr></thead><tbody id="regions-body"></tbody></table>
    <div class="actions">
      <button type="button" class="primary" id="start-run">Start run</button>
      <button type="button" id="dry-run">Dry run</button>
      <button type="button" id="rerun-failed" disabled>Re-run failed pairs</button>
    </div>
    <div id="action-result" aria-live="polite"></div>
  </section>
  <section aria-labelledby="h-group">
    <h2 id="h-group">DR group</h2>
    <p id="group-primary" aria-live="polite"></p>
    <table id="members-body"><thead><tr><th>Region</th><th>Role</th><th>Last failover to it</th><th>Last test failover</th></tr></thead></table>
    <div class="actions">
      <button type="button" id="fo-test">Test failover…</button>
      <button type="button" id="fo-failover">Fail over…</button>
      <button type="button" id="fo-dryrun">Failover dry run…</button>
    </div>
    <div id="fo-result" aria-live="polite"></div>
    <h2>Failovers</h2>
    <table id="failovers-body"><thead><tr><th>Failover</th><th>Mode</th><th>From → to</th><th>Status</th><th>Requested</th><th>Switched</th><th>RPO</th><th>RTO</th><th>Models without a copy</th></tr></thead></table>
    <p class="muted" id="failovers-empty"></p>
  </section>
  <section aria-labelledby="h-runs">
    <h2 id="h-runs">Runs</h2>
    <div id="current-run" aria-live="polite"></div>
    <table id="runs-body"><thead><tr><th>Run</th><th>Trigger</th><th>Outcome</th><th>Started</th><th>Duration</th><th>Pairs</th><th>Failures</th></tr></thead></table>
    <p class="muted" id="runs-empty"></p>
  </section>
  <section aria-labelledby="h-matrix">
    <h2 id="h-matrix">Models × regions</h2>
    <div class="filters">
      <label>State <select id="state">
        <option value="">all</option><option value="attention">needs attention</option><option value="failed">failed</option>
        <option value="missing">missing</option><option value="inProgress">in progress</option>
        <option value="replicated">replicated</option><option value="stale">out of date</option>
        <option value="unhealthy">health: unhealthy</option><option value="degraded">health: degraded</option>
      </select></label>
      <label>Search <input type="search" id="search" placeholder="model id or name" maxlength="200" autocomplete="off"></label>
      <span class="muted">Legend: ✔ replicated · ○ missing · ✖ failed · ◔ in progress; health ✔ healthy · ▲ degraded · ✖ unhealthy — hover a cell or open a row for target model ids</span>
    </div>
    <table class="matrix" id="matrix"><thead id="matrix-head"></thead></table>
    <p class="muted" id="matrix-empty"></p>
    <div class="pager"><button type="button" id="prev" disabled>◂ Previous</button><span id="page-info"></span><button type="button" id="next" disabled>Next ▸</button></div>
  </section>
  <section aria-labelledby="h-cv">
    <h2 id="h-cv">Custom Vision backups (latest per project and platform)</h2>
    <table id="cv-body"><thead><tr><th>Project</th><th>Iteration</th><th>Platform</th><th>Size</th><th>Checksum</th><th>Replica</th><th>Recorded</th></tr></thead></table>
    <p class="muted" id="cv-empty"></p>
    <h2>Custom Vision DR projects (a serving copy per DR region)</h2>
    <table id="cvdr-body"><thead><tr><th>Project</th><th>Region</th><th>State</th><th>DR project</th><th>Iteration (origin)</th><th>Publish name</th><th>Images / tags / iterations</th><th>Verified</th><th>Detail</th></tr></thead></table>
    <p class="muted" id="cvdr-empty"></p>
    <h2>Rejected notifications</h2>
    <table id="rejected-body"><thead><tr><th>Received</th><th>Stage</th><th>Code</th><th>Message</th></tr></thead></table>
    <p class="muted" id="rejected-empty"></p>
  </section>
</main>
<dialog id="confirm" aria-labelledby="confirm-text">
  <p id="confirm-text"></p>
  <div class="actions"><button type="button" class="primary" id="confirm-ok">Confirm</button><button type="button" id="confirm-cancel">Cancel</button></div>
</dialog>
<dialog id="fo-dialog" aria-labelledby="fo-title">
  <p id="fo-title"></p>
  <div class="fo-fields">
    <label>Target region <select id="fo-to"></select></label>
    <label id="fo-mode-label">Mode <select id="fo-mode"><option value="planned">planned (the primary answers: final sync, then switch)</option><option value="unplanned">unplanned (the primary is down: ledger only)</option></select></label>
    <label id="fo-force-label"><input type="checkbox" id="fo-force"> force (switch even if models have no verified copy in the target)</label>
    <label>Type the target region to confirm <input type="text" id="fo-typed" autocomplete="off" spellcheck="false" maxlength="100"></label>
  </div>
  <p class="muted" id="fo-hint"></p>
  <div class="actions"><button type="button" class="primary" id="fo-ok" disabled>Confirm</button><button type="button" id="fo-cancel">Cancel</button></div>
</dialog>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Model DR readiness</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>${BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
