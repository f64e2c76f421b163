/**
 * The dashboard's browser script: plain ES2020, no dependencies, inline in the page and
 * allowed by its hash in the Content-Security-Policy. It is a String.raw literal: it must
 * contain no backtick and no dollar-brace sequence (but the one interpolation: the text
 * sanitizer of `src/common/controlText.ts`, through which every text the page shows passes).
 *
 * The function key: read once from the page's own URL (`?code=`), removed from the address
 * bar (history.replaceState), kept in this closure and sent only as the `x-functions-key`
 * header of the page's own same-origin calls. No link or attribute the page renders holds it.
 */
import { ESCAPE_CONTROLS_JS } from '../../common/controlText';
import { MODEL_ID_PATTERN } from '../replicationRequest';

export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var key = params.get('code');
  // The page's own origin and a fixed path: never the path it was opened under (a '//host/...'
  // path would make a relative URL point at another host, and replaceState throw).
  var api = location.origin + '/api';
  if (params.has('code')) {
    params.delete('code');
    var rest = params.toString();
    history.replaceState(null, '', api + '/dashboard' + (rest ? '?' + rest : '') + location.hash);
  }
  var refreshSeconds = Math.min(3600, Math.max(1, Math.floor(Number(params.get('refresh')) || 5)));
  // The model ids POST /api/replications accepts (src/http/replicationRequest.ts).
  var requestableId = new RegExp(__MODEL_ID_PATTERN__);
  var ui = {
    cursors: [''], filter: '', q: '', expanded: new Set(), expandedRuns: new Set(),
    failedPairs: null, lastData: null, timer: 0, pending: null, regionsSig: '', colsSig: ''
  };
  var $ = function (id) { return document.getElementById(id); };
  // Every text the page shows passes here: control, escape and bidi characters shown escaped (src/common/controlText.ts).
  var safe = ${ESCAPE_CONTROLS_JS};
  function setText(id, text) { $(id).textContent = safe(text); }

  function el(tag, props, children) {
    var e = document.createElement(tag);
    if (props) {
      for (var k in props) {
        var v = props[k];
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') e.textContent = safe(v);
        else if (k === 'className') e.className = v;
        else if (k === 'onclick') e.addEventListener('click', v);
        else e.setAttribute(k, safe(v));
      }
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      e.appendChild(typeof c === 'string' ? document.createTextNode(safe(c)) : c);
    });
    return e;
  }
  function iso(t) {
    if (t === undefined || t === null || t === '') return '';
    var d = new Date(t);
    return isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }
  function age(s) {
    if (s === undefined || s === null) return '';
    if (s < 120) return s + 's';
    if (s < 7200) return Math.round(s / 60) + 'm';
    if (s < 172800) return Math.round(s / 3600) + 'h';
    return Math.round(s / 86400) + 'd';
  }
  function duration(ms) {
    if (ms < 1000) return ms + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    return Math.round(ms / 60000) + ' min';
  }
  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }

  function ApiError(status, body) { this.status = status; this.body = body; this.message = 'HTTP ' + status; }
  function call(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (key) headers['x-functions-key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(api + path, {
      method: method, headers: headers, cache: 'no-store', credentials: 'omit', redirect: 'error',
      referrerPolicy: 'no-referrer', body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = { error: text.slice(0, 200) }; }
        if (!res.ok) throw new ApiError(res.status, parsed);
        return parsed;
      });
    });
  }
  function problemText(e) {
    if (e instanceof ApiError) {
      var b = e.body || {};
      var detail = b.problems ? b.problems.join('; ') : (b.error || '');
      return 'HTTP ' + e.status + (detail ? ': ' + detail : '');
    }
    return (e && e.message) || String(e);
  }

  // Keyed, in-place updates: a group (one tbody per item) is rebuilt only when its signature changed,
  // so a refresh neither flickers nor loses the scroll position or the rows a reader opened.
  function reconcile(parent, items, keyOf, sigOf, build) {
    var existing = new Map();
    Array.prototype.forEach.call(parent.children, function (c) { if (c.hasAttribute('data-key')) existing.set(c.getAttribute('data-key'), c); });
    var prev = parent.querySelector(':scope > thead');
    items.forEach(function (item) {
      var k = keyOf(item), sig = sigOf(item), node = existing.get(k);
      existing.delete(k);
      if (!node || node.getAttribute('data-sig') !== sig) {
        var fresh = build(item);
        fresh.setAttribute('data-key', k);
        fresh.setAttribute('data-sig', sig);
        if (node) parent.replaceChild(fresh, node);
        node = fresh;
      }
      var want = prev ? prev.nextSibling : parent.firstChild;
      if (want !== node) parent.insertBefore(node, want);
      prev = node;
    });
    existing.forEach(function (n) { n.remove(); });
  }

  var STATES = {
    replicated: ['\u2714', 'replicated'], failed: ['\u2716', 'failed'], missing: ['\u25CB', 'missing'],
    inProgress: ['\u25D4', 'in progress'], unverified: ['?', 'unverified']
  };
  var HEALTH = { healthy: '\u2714', degraded: '\u25B2', unhealthy: '\u2716' };
  var REASONS = {
    olderThanRpo: 'older than the RPO', olderThanTwiceRpo: 'older than twice the RPO',
    regionUnverified: 'region not verified in the last run', staleSourceVersion: 'holds an older source version',
    copyInProgress: 'copy in progress', lastAttemptFailed: 'last attempt failed (verified copy kept)',
    missing: 'missing', lastCopyFailed: 'last copy failed',
    lastDrillFailed: 'last restore drill failed', lastDrillMismatch: 'last restore drill answered differently'
  };
  var DRILL_RANK = { passed: 0, failed: 1, mismatch: 2 };
  function drillText(d) { return 'drill ' + (d.outcome === 'mismatch' ? 'MISMATCH' : d.outcome); }
  // The row's last drill: the worst of its pairs' last drills (a mismatch anywhere shows), with its region and time.
  function rowDrill(row, regions) {
    var best = null;
    regions.forEach(function (r) {
      var c = row.cells[r], d = c && c.lastDrill;
      if (d && (!best || DRILL_RANK[d.outcome] > DRILL_RANK[best.d.outcome] ||
        (DRILL_RANK[d.outcome] === DRILL_RANK[best.d.outcome] && d.at > best.d.at))) best = { r: r, d: d };
    });
    return best;
  }
  function reasonsText(list) { return (list || []).map(function (r) { return REASONS[r] || r; }).join(', '); }
  function healthText(h) { return h ? (HEALTH[h] || '') + ' ' + h : '-'; }
  function stateLabel(status) { return STATES[status] || ['\u2022', String(status)]; }
  function errorText(err) {
    if (!err) return '';
    return err.kind + (err.code ? ' ' + err.code : '') + ': ' + err.message;
  }
  function cellTitle(region, c) {
    var lines = [region + ': ' + stateLabel(c.status)[1] + (c.stale ? ' (out of date)' : '')];
    if (c.origin) lines.push('the lineage\'s origin: ' + region + ' holds the original, not a copy');
    if (c.targetModelId) lines.push((c.origin ? 'model: ' : 'target model: ') + c.targetModelId);
    if (c.reason) lines.push('why: ' + c.reason);
    if (c.lastVerifiedAt) lines.push('verified: ' + iso(c.lastVerifiedAt) + ' (' + age(c.ageSeconds) + ' ago)');
    if (c.health) lines.push('health: ' + c.health + (c.healthReasons ? ' (' + reasonsText(c.healthReasons) + ')' : ''));
    if (c.lastError) lines.push('last error: ' + errorText(c.lastError));
    if (c.lastDrill) lines.push('last drill: ' + c.lastDrill.outcome + ' ' + iso(c.lastDrill.at));
    return lines.join('\n');
  }
  function cellNode(region, c) {
    if (!c) return el('td', { className: 'cell', text: '-' });
    var s = stateLabel(c.status);
    var label = s[1] + (c.stale ? ' (stale)' : '') + (c.origin ? ' (origin)' : '');
    var kids = [el('span', { className: 'st st-' + c.status, text: s[0] + ' ' + label })];
    if (c.ageSeconds !== undefined) kids.push(el('span', { className: 'muted', text: ' ' + age(c.ageSeconds) }));
    if (c.status === 'failed' && c.lastError)
      kids.push(el('span', { className: 'muted', text: ' ' + c.lastError.kind + (c.lastError.code ? ' ' + c.lastError.code : '') }));
    if (c.status === 'replicated' && c.lastError) kids.push(el('span', { className: 'muted', text: ' (last retry failed)' }));
    if (c.lastDrill) kids.push(el('span', { className: 'drill drill-' + c.lastDrill.outcome, text: ' \u00B7 ' + drillText(c.lastDrill) }));
    if (c.health) kids.push(el('span', { className: 'st st-' + c.health, text: ' \u00B7 ' + healthText(c.health) }));
    return el('td', { className: 'cell st-' + c.status + (c.health ? ' h-' + c.health : ''), title: cellTitle(region, c), 'data-region': region,
      'data-state': c.status, 'data-health': c.health, 'data-origin': c.origin ? 'true' : undefined, 'data-drill': c.lastDrill ? c.lastDrill.outcome : undefined }, kids);
  }
  function hasHealth(rows) { return rows.some(function (r) { return r.health !== undefined; }); }
  // The drills are per pair (each cell's lastDrill): the column shows when any pair on the page has one.
  function hasDrill(rows) {
    return rows.some(function (r) { return Object.keys(r.cells).some(function (k) { return r.cells[k].lastDrill !== undefined; }); });
  }

  function renderMatrix(d) {
    var table = $('matrix');
    var health = hasHealth(d.rows), drill = hasDrill(d.rows);
    var colsSig = JSON.stringify([d.regions, health, drill]);
    if (colsSig !== ui.colsSig) {
      ui.colsSig = colsSig;
      var head = el('tr', null, [el('th', { text: 'Model' })].concat(
        d.regions.map(function (r) { return el('th', { text: r }); }),
        health ? [el('th', { text: 'Health' })] : [], drill ? [el('th', { text: 'Last drill' })] : []));
      $('matrix-head').replaceChildren(head);
      Array.prototype.forEach.call($('matrix').querySelectorAll('tbody'), function (t) { t.remove(); });
    }
    // one tbody per model, directly in the table after the thead
    var bodies = Array.prototype.filter.call(table.children, function (c) { return c.tagName === 'TBODY'; });
    reconcileBodies(table, bodies, d, health, drill);
    setText('matrix-empty', d.rows.length === 0 ? 'No model matches.' : '');
    var first = d.rows.length ? d.offset + 1 : 0;
    setText('page-info', 'models ' + first + '\u2013' + (d.offset + d.rows.length) + ' of ' + d.matched +
      (ui.filter || ui.q ? ' matching' : ''));
    $('prev').disabled = ui.cursors.length <= 1;
    $('next').disabled = !d.nextCursor;
    ui.nextCursor = d.nextCursor || '';
  }
  function reconcileBodies(table, bodies, d, health, drill) {
    var existing = new Map();
    bodies.forEach(function (c) { existing.set(c.getAttribute('data-key'), c); });
    var prev = $('matrix-head');
    d.rows.forEach(function (row) {
      var open = ui.expanded.has(row.sourceModelId);
      var sig = JSON.stringify([row, open, d.regions, health, drill]);
      var node = existing.get(row.sourceModelId);
      existing.delete(row.sourceModelId);
      if (!node || node.getAttribute('data-sig') !== sig) {
        var fresh = modelBody(row, d.regions, open, health, drill);
        fresh.setAttribute('data-key', row.sourceModelId);
        fresh.setAttribute('data-sig', sig);
        if (node) table.replaceChild(fresh, node);
        node = fresh;
      }
      if (prev.nextSibling !== node) table.insertBefore(node, prev.nextSibling);
      prev = node;
    });
    existing.forEach(function (n) { n.remove(); });
  }
  function modelBody(row, regions, open, health, drill) {
    var name = row.sourceModelName ? row.sourceModelName : '';
    var toggle = el('button', {
      className: 'expand', type: 'button', 'aria-expanded': open ? 'true' : 'false',
      title: 'show target model ids and errors', text: (open ? '\u25BE ' : '\u25B8 ') + row.sourceModelId,
      onclick: function () {
        if (ui.expanded.has(row.sourceModelId)) ui.expanded.delete(row.sourceModelId); else ui.expanded.add(row.sourceModelId);
        if (ui.lastData) renderMatrix(ui.lastData);
      }
    });
    var first = el('td', { className: 'model' }, [toggle, name ? el('div', { className: 'muted', text: name }) : null]);
    var cells = regions.map(function (r) { return cellNode(r, row.cells[r]); });
    var extra = [];
    if (health) extra.push(el('td', { className: 'st st-' + (row.health || ''), 'data-health': row.health, text: healthText(row.health) }));
    if (drill) {
      var rd = rowDrill(row, regions);
      extra.push(el('td', { className: rd ? 'drill drill-' + rd.d.outcome : '', 'data-drill': rd ? rd.d.outcome : undefined,
        text: rd ? drillText(rd.d) + ' (' + rd.r + ') ' + iso(rd.d.at) : '-' }));
    }
    var body = el('tbody', { className: 'model-row' }, [el('tr', null, [first].concat(cells, extra))]);
    if (open) {
      var lines = regions.map(function (r) {
        var c = row.cells[r] || {};
        return el('tr', null, [
          el('td', { text: r }), el('td', { text: stateLabel(c.status)[1] + (c.stale ? ' (stale)' : '') }),
          el('td', { className: 'st st-' + (c.health || ''), text: c.health ? healthText(c.health) + (c.healthReasons ? ': ' + reasonsText(c.healthReasons) : '') : '-' }),
          el('td', null, [c.targetModelId ? el('code', { text: c.targetModelId }) : '-']),
          el('td', { text: c.lastVerifiedAt ? iso(c.lastVerifiedAt) + ' (' + age(c.ageSeconds) + ' ago)' : '-' }),
          el('td', { text: errorText(c.lastError) || '-' }),
          el('td', { text: c.lastDrill ? drillText(c.lastDrill) + ' ' + iso(c.lastDrill.at) : '-' }),
          el('td', { className: 'muted', text: c.lastRunId || '' })
        ]);
      });
      var inner = el('table', { className: 'inner' }, [
        el('thead', null, [el('tr', null, ['Region', 'State', 'Health', 'Target model id', 'Last verified', 'Last error', 'Last drill', 'Last run']
          .map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', null, lines)]);
      body.appendChild(el('tr', { className: 'detail' }, [el('td', { colspan: regions.length + 1 + extra.length }, [inner])]));
    }
    return body;
  }

  function tile(value, label, cls) {
    return el('div', { className: 'tile' }, [el('b', { className: cls || '', text: String(value) }), el('span', { text: label })]);
  }
  function renderSummary(d) {
    var t = d.totals, h = d.health;
    $('tiles').replaceChildren(
      h ? tile(healthText(h.health), 'DR health (RPO ' + h.rpoHours + ' h)', 'st-' + h.health) : null,
      tile(t.models, 'models'), tile(t.readyModels + ' / ' + t.models, 'ready in every region', 'st-replicated'),
      tile(t.replicated, '\u2714 pairs replicated', 'st-replicated'), tile(t.missing, '\u25CB pairs missing', 'st-missing'),
      tile(t.failed, '\u2716 pairs failed', 'st-failed'), tile(t.inProgress, '\u25D4 pairs in progress', 'st-inProgress'),
      tile(t.unverified || 0, '? pairs unverified', 'st-unverified'),
      tile(t.oldestVerifiedAgeSeconds === undefined ? '-' : age(t.oldestVerifiedAgeSeconds), 'oldest verified copy'));
    setText('health-summary', h && h.summary.length ? h.summary.join(' \u00B7 ') : '');
    reconcile($('regions-body'), d.regions, function (r) { return r; },
      function (r) { return JSON.stringify([d.byRegion[r], h ? h.byRegion[r] : null]); },
      function (r) {
        var c = d.byRegion[r], rh = h && h.byRegion[r];
        return el('tr', null, [el('td', { text: r }),
          el('td', { className: rh ? 'st st-' + rh.health : '', 'data-health': rh ? rh.health : undefined,
            title: rh && rh.reasons.length ? reasonsText(rh.reasons) : undefined,
            text: rh ? healthText(rh.health) + (rh.overRpo ? ' \u00B7 ' + rh.overRpo + ' over RPO' : '') : '-' }),
          el('td', { text: c.replicated }), el('td', { text: c.missing }),
          el('td', { text: c.failed }), el('td', { text: c.inProgress }),
          el('td', { text: c.oldestVerifiedAgeSeconds === undefined ? '-' : age(c.oldestVerifiedAgeSeconds) })]);
      });
    ui.failedPairs = d.failedPairs;
    var rerun = $('rerun-failed');
    rerun.disabled = d.failedPairs.count === 0;
    rerun.textContent = safe('Re-run failed pairs (' + d.failedPairs.count + ')');
    var nc = d.notCopyable.map(function (m) { return (m.modelName || m.modelId) + ' (' + m.status + (m.reason ? ': ' + m.reason : '') + ')'; });
    setText('not-copyable', nc.length ? 'Not copyable: ' + nc.join(', ') + (d.notCopyableTotal > nc.length ? ' \u2026' : '') : '');
    setText('data-time', 'Data as of ' + iso(d.generatedAt) + (d.lastRun ? ' \u00B7 last run ' + d.lastRun.runId + ' finished ' + iso(d.lastRun.finishedAt) : ''));
  }

  function loadMatrix() {
    var q = new URLSearchParams();
    q.set('limit', '100');
    var cursor = ui.cursors[ui.cursors.length - 1];
    if (cursor) q.set('cursor', cursor);
    if (ui.filter) q.set('state', ui.filter);
    if (ui.q) q.set('q', ui.q);
    return call('GET', '/dashboard/data?' + q.toString()).then(function (d) {
      ui.lastData = d;
      renderSummary(d);
      renderMatrix(d);
      document.body.setAttribute('data-matrix-ready', 'true');
    });
  }

  function renderCurrent(cur) {
    var box = $('current-run');
    if (!cur) {
      box.replaceChildren(el('span', { className: 'muted', text: 'No run in progress.' }));
      box.setAttribute('data-run', '');
      return;
    }
    var p = cur.progress || { phase: 'starting', total: 0, done: 0, copied: 0, failed: 0 };
    var text = 'Run ' + cur.id + (cur.dryRun ? ' (dry run)' : '') + ' \u2014 ' + p.phase + ': ' + p.done + ' of ' + p.total +
      ' done \u00B7 ' + p.copied + ' copied \u00B7 ' + p.failed + ' failed';
    var bar = el('progress', { max: Math.max(1, p.total), value: p.done });
    box.replaceChildren(el('div', { id: 'current-text', text: text }), bar,
      el('span', { className: 'muted', text: ' started ' + iso(cur.createdTime) }));
    box.setAttribute('data-run', cur.id);
  }
  function renderRuns(d) {
    renderCurrent(d.current);
    reconcile($('runs-body'), d.runs, function (r) { return r.runId; },
      function (r) { return JSON.stringify([r, ui.expandedRuns.has(r.runId)]); }, runBody);
    setText('runs-empty', d.runs.length ? '' : 'No run recorded yet.');
  }
  function runBody(r) {
    var open = ui.expandedRuns.has(r.runId);
    var t = r.totals;
    var failuresCell = r.failuresTotal === 0 ? el('td', { text: '0' }) : el('td', null, [el('button', {
      type: 'button', className: 'expand', 'aria-expanded': open ? 'true' : 'false',
      text: (open ? '\u25BE ' : '\u25B8 ') + r.failuresTotal + ' failed',
      onclick: function () {
        if (ui.expandedRuns.has(r.runId)) ui.expandedRuns.delete(r.runId); else ui.expandedRuns.add(r.runId);
        if (ui.lastRuns) renderRuns(ui.lastRuns);
      }
    })]);
    var outcomeText = { succeeded: '\u2714 succeeded', partial: '\u25B2 partial', failed: '\u2716 failed', dryRun: '\u25CC dry run' }[r.outcome] || r.outcome;
    var body = el('tbody', null, [el('tr', null, [
      el('td', null, [el('code', { text: r.runId })]), el('td', { text: r.trigger }),
      el('td', { className: 'outcome-' + r.outcome, text: outcomeText }), el('td', { text: iso(r.startedAt) }),
      el('td', { text: duration(r.durationMs) }),
      el('td', { text: r.dryRun ? r.planned + ' planned' : t.copied + ' copied \u00B7 ' + t.alreadyReplicated + ' already' }),
      failuresCell])]);
    if (open) {
      var rows = r.failures.map(function (f) {
        return el('tr', null, [el('td', { text: f.sourceModelId }), el('td', { text: f.region }), el('td', { text: f.kind }),
          el('td', { text: f.code || '-' }), el('td', { text: f.message })]);
      });
      if (r.failuresTotal > r.failures.length)
        rows.push(el('tr', null, [el('td', { colspan: 5, className: 'muted', text: '\u2026 and ' + (r.failuresTotal - r.failures.length) + ' more' })]));
      body.appendChild(el('tr', { className: 'detail failures' }, [el('td', { colspan: 7 }, [el('table', null, [
        el('thead', null, [el('tr', null, ['Model', 'Region', 'Reason', 'Service code', 'Message'].map(function (h) { return el('th', { text: h }); }))]),
        el('tbody', null, rows)])])]));
    }
    return body;
  }
  function loadRuns() {
    return call('GET', '/replications?limit=10').then(function (d) { ui.lastRuns = d; renderRuns(d); });
  }

  function latestBackups(list) {
    var best = new Map();
    list.forEach(function (b) {
      var k = b.projectId + '/' + b.platform;
      var cur = best.get(k);
      if (!cur || (b.recordedAt || '') > (cur.recordedAt || '')) best.set(k, b);
    });
    return Array.from(best.values()).sort(function (a, b) {
      return a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : a.platform < b.platform ? -1 : 1;
    });
  }
  function loadCv() {
    var backups = call('GET', '/customvision/backups?limit=1000').then(function (d) {
      var latest = latestBackups(d.backups || []);
      reconcile($('cv-body'), latest, function (b) { return b.projectId + '/' + b.platform; }, function (b) { return JSON.stringify(b); }, function (b) {
        var sum = b.md5 ? 'md5 ' + b.md5 : b.sha256 ? 'sha256 ' + b.sha256.slice(0, 16) + '\u2026' : '-';
        var rep = b.replica && b.replica.verified;
        return el('tbody', null, [el('tr', null, [el('td', null, [el('code', { text: b.projectId })]), el('td', null, [el('code', { text: b.iterationId })]),
          el('td', { text: b.platform }), el('td', { text: bytes(b.sizeBytes) }), el('td', { title: b.md5 || b.sha256 || '', text: sum }),
          el('td', { className: rep ? 'st st-replicated' : 'st st-missing', text: rep ? '\u2714 verified' : '\u25CB no verified replica' }),
          el('td', { text: iso(b.recordedAt) })])]);
      });
      setText('cv-empty', latest.length ? '' : 'No backup recorded yet.');
    }, function (e) { setText('cv-empty', 'Backups unavailable: ' + problemText(e)); if (!(e instanceof ApiError)) throw e; });
    var rejected = call('GET', '/customvision/rejected?limit=50').then(function (d) {
      reconcile($('rejected-body'), d.rejected || [], function (r) { return r.id; }, function (r) { return JSON.stringify([r.receivedAt, r.reason]); }, function (r) {
        return el('tbody', null, [el('tr', null, [el('td', { text: iso(r.receivedAt) }), el('td', { text: r.stage }),
          el('td', { text: r.reason.code }), el('td', { text: r.reason.message })])]);
      });
      setText('rejected-empty', (d.rejected || []).length ? '' : 'No rejected notification.');
    }, function (e) { setText('rejected-empty', 'Rejected notifications unavailable: ' + problemText(e)); if (!(e instanceof ApiError)) throw e; });
    var drProjects = call('GET', '/customvision/projects').then(function (d) {
      var rows = d.projects || [];
      var stateClass = { ready: 'st st-replicated', failed: 'st st-failed', copying: 'st st-inProgress', unverified: 'st st-missing' };
      // Where the DR copy's iteration came from: imported with the project, or trained in the DR region (CV_DR_TRAIN_MISSING).
      function originText(o) { return o === 'trainedInDr' ? 'trained in DR' : o === 'imported' ? 'imported' : ''; }
      reconcile($('cvdr-body'), rows, function (r) { return r.projectId + '/' + r.region; }, function (r) { return JSON.stringify(r); }, function (r) {
        var c = r.counts;
        var counts = c ? c.actual.images + '/' + c.expected.images + ' \u00b7 ' + c.actual.tags + '/' + c.expected.tags + ' \u00b7 ' + c.actual.iterations + '/' + c.expected.iterations : '-';
        return el('tbody', null, [el('tr', null, [el('td', null, [el('code', { text: r.projectId })]), el('td', { text: r.region }),
          el('td', { className: stateClass[r.state] || 'st', text: r.state }), el('td', null, [el('code', { text: r.drProjectId || '-' })]),
          el('td', { 'data-origin': r.iterationOrigin || '' }, r.iterationId ? [el('code', { text: r.iterationId }), ' ' + originText(r.iterationOrigin)] : ['-']),
          el('td', { text: r.publishName || '-' }), el('td', { text: counts }), el('td', { text: r.lastVerifiedAt ? iso(r.lastVerifiedAt) : '-' }),
          el('td', { text: r.detail || '' })])]);
      });
      setText('cvdr-empty', rows.length ? '' : (d.enabled ? 'No DR copy recorded yet.' : 'Project DR is off (CV_DR_TARGETS is not set).'));
    }, function (e) { setText('cvdr-empty', 'DR projects unavailable: ' + problemText(e)); if (!(e instanceof ApiError)) throw e; });
    return Promise.all([backups, rejected, drProjects]);
  }

  // The DR group (docs/failover.md): the active primary, every member with its last failover and
  // test failover, the last failovers, and failovers started from the page (the target region typed as confirmation).
  var FO_STATUS = { completed: 'st st-replicated', refused: 'st st-missing', failed: 'st st-failed', running: 'st st-inProgress' };
  function secs(s) { return s === undefined || s === null ? '-' : duration(Math.round(s * 1000)); }
  function foMode(f) { return f.mode + (f.dryRun ? ' (dry run)' : '') + (f.force ? ' (force)' : ''); }
  function foBrief(f) {
    if (!f) return '-';
    return f.status + ' ' + iso(f.finishedAt || f.requestedAt) + (f.mode === 'test' && f.drills ? ' \u00B7 drills ' + f.drills.outcome : '');
  }
  function renderGroup(group, list, problem) {
    ui.group = group;
    setText('group-primary', 'Active primary: ' + group.primary + ' (epoch ' + group.epoch + ', ' +
      (group.since ? 'since ' + iso(group.since) : 'since the group began') + ')' +
      (group.ledgerReadOnly ? ' \u00B7 ledger read-only: ' + (group.ledgerReadOnlyReason || '') : ''));
    $('group-primary').setAttribute('data-primary', group.primary);
    var members = group.members || [];
    reconcile($('members-body'), members, function (m) { return m.region; }, function (m) {
      return JSON.stringify([m, problem, lastOf(list, m.region, false), lastOf(list, m.region, true)]);
    }, function (m) {
      var f = lastOf(list, m.region, false), t = lastOf(list, m.region, true), none = problem ? 'unavailable' : '-';
      return el('tbody', null, [el('tr', { 'data-region': m.region, 'data-role': m.role }, [el('td', { text: m.region }),
        el('td', { className: 'role-' + m.role, text: m.role }),
        el('td', { className: f ? FO_STATUS[f.status] : '', text: f ? foMode(f) + ' ' + foBrief(f) : none }),
        el('td', { className: t ? FO_STATUS[t.status] : '', text: t ? foBrief(t) : none })])]);
    });
    reconcile($('failovers-body'), list, function (f) { return f.id; }, function (f) { return JSON.stringify(f); }, function (f) {
      var without = f.refusedModels || f.withoutCopy || (f.readiness && f.readiness.withoutCopy) || [];
      return el('tbody', null, [el('tr', { 'data-failover': f.id, 'data-status': f.status }, [el('td', null, [el('code', { text: f.id })]),
        el('td', { text: foMode(f) }), el('td', { text: f.from + ' \u2192 ' + f.to }),
        el('td', { className: FO_STATUS[f.status] || 'st', title: f.error || '', text: f.status + (f.error ? ': ' + f.error : '') }),
        el('td', { text: iso(f.requestedAt) }), el('td', { text: f.switchedAt ? iso(f.switchedAt) : '-' }),
        el('td', { text: secs(f.achievedRpoSeconds !== undefined ? f.achievedRpoSeconds : f.readiness && f.readiness.rpoSeconds) }),
        el('td', { text: secs(f.achievedRtoSeconds) }),
        el('td', { title: without.join('\n'), text: without.length ? without.length + ': ' + without.slice(0, 5).join(', ') + (without.length > 5 ? ', \u2026' : '') : '-' })])]);
    });
    setText('failovers-empty', problem ? 'Failovers unavailable: ' + problem : list.length ? '' : 'No failover, test failover or failover dry run recorded yet.');
  }
  // The member's last (test) failover: the newest record targeting it (dry runs are not failovers).
  function lastOf(list, region, test) {
    for (var i = 0; i < list.length; i++) {
      var f = list[i];
      if (f.to === region && !f.dryRun && (f.mode === 'test') === test) return f;
    }
    return null;
  }
  function loadGroup() {
    // The failover records may be unreadable while the DR group is (the ledger read from its secondary):
    // then the section says so instead of showing no failover.
    var records = call('GET', '/failovers?limit=50').then(function (d) { return { list: (d && d.failovers) || [] }; },
      function (e) { if (!(e instanceof ApiError)) throw e; return { list: [], problem: problemText(e) }; });
    return Promise.all([call('GET', '/drgroup'), records]).then(function (r) {
      renderGroup(r[0], r[1].list, r[1].problem);
    });
  }

  var foKind = null;
  function foResult(cls, text, status) {
    $('fo-result').setAttribute('data-status', status || '');
    $('fo-result').replaceChildren(el('span', { className: cls, text: text }));
  }
  // force applies to a planned failover only (src/http/failoverRequest.ts).
  function foForce() {
    var shown = foKind === 'failover' && $('fo-mode').value === 'planned';
    $('fo-force-label').hidden = !shown;
    if (!shown) $('fo-force').checked = false;
  }
  function foCheck() { $('fo-ok').disabled = !($('fo-to').value && $('fo-typed').value === $('fo-to').value); }
  function openFailover(kind) {
    var g = ui.group;
    var standbys = ((g && g.members) || []).filter(function (m) { return m.role !== 'primary'; });
    if (!g || standbys.length === 0) { foResult('st st-failed', 'No standby member to fail over to (the DR group is not loaded).'); return; }
    foKind = kind;
    $('fo-to').replaceChildren.apply($('fo-to'), standbys.map(function (m) { return el('option', { value: m.region, text: m.region }); }));
    $('fo-typed').value = '';
    $('fo-force').checked = false;
    $('fo-mode').value = 'planned';
    $('fo-mode-label').hidden = kind === 'test';
    foForce();
    setText('fo-title', kind === 'test' ? 'Test failover: a readiness check and a restore drill of every model with a sample against the target\u2019s copies. Nothing is switched.'
      : kind === 'dryRun' ? 'Failover dry run: the readiness check only (which models the target would not have, the achievable RPO). Nothing changes.'
      : 'Fail over from ' + g.primary + ': the target becomes the primary and client routing points at it.');
    setText('fo-hint', 'Type the target region exactly to enable Confirm.');
    foCheck();
    $('fo-dialog').showModal();
    $('fo-typed').focus();
  }
  function startFailover() {
    var to = $('fo-to').value;
    if ($('fo-typed').value !== to) return;
    var body = { to: to, mode: foKind === 'test' ? 'test' : $('fo-mode').value };
    if (foKind === 'dryRun') body.dryRun = true;
    if (foKind === 'failover' && $('fo-force').checked) body.force = true;
    var label = foKind === 'test' ? 'Test failover' : foKind === 'dryRun' ? 'Failover dry run' : 'Failover (' + body.mode + ')';
    $('fo-dialog').close();
    $('fo-result').removeAttribute('data-failover');
    foResult('', label + ' to ' + to + ': starting\u2026', 'running');
    return call('POST', '/failovers', body).then(function (r) {
      $('fo-result').setAttribute('data-failover', r.id);
      return followFailover(r.id, label);
    }, function (e) {
      var b = e.body || {};
      foResult('st st-failed', label + ' refused: ' + (e.status === 409 && b.error ? 'HTTP 409: ' + b.error : problemText(e)), 'rejected');
    });
  }
  function followFailover(id, label) {
    return call('GET', '/failovers/' + encodeURIComponent(id)).then(function (s) {
      if (s.status === 'running') {
        var last = (s.steps || [])[(s.steps || []).length - 1];
        foResult('st st-inProgress', label + ' ' + id + ': running' + (last ? ' (' + last.name + ': ' + last.outcome + ')' : '') + '\u2026', 'running');
        return new Promise(function (res) { setTimeout(res, 1000); }).then(function () { return followFailover(id, label); });
      }
      showFailover(id, label, s);
      refresh();
    }, function (e) { foResult('st st-failed', label + ' ' + id + ': ' + problemText(e), 'error'); });
  }
  function showFailover(id, label, s) {
    var r = s.record || {};
    var text = label + ' ' + id + ' ' + s.status;
    if (s.status === 'refused') {
      var named = r.refusedModels || r.withoutCopy || [];
      text += ': ' + named.length + ' model(s) without a verified copy in ' + r.to + ': ' + named.slice(0, 20).join(', ') + (named.length > 20 ? ', \u2026' : '') +
        (r.error ? ' (' + r.error + ')' : '') + '.';
    } else if (s.status === 'failed') {
      text += ': ' + (r.error || ((s.steps || []).filter(function (x) { return x.detail; }).map(function (x) { return x.name + ': ' + x.detail; }).pop()) || 'no error recorded') + '.';
    } else if (r.mode === 'test') {
      text += ': readiness ' + ((r.readiness && r.readiness.withoutCopy.length) || 0) + ' model(s) without a copy in ' + r.to +
        (r.drills ? ', drills ' + r.drills.outcome + ' (' + r.drills.passed + ' passed, ' + r.drills.failed + ' failed, ' + r.drills.skipped + ' skipped)' : '') + '; nothing switched.';
    } else if (r.dryRun) {
      var w = (r.readiness && r.readiness.withoutCopy) || [];
      text += ': ' + r.to + ' would not have ' + w.length + ' model(s)' + (w.length ? ' (' + w.slice(0, 20).join(', ') + ')' : '') +
        ', achievable RPO ' + secs(r.readiness && r.readiness.rpoSeconds) + '; nothing changed.';
    } else {
      var wc = r.withoutCopy || [];
      text += ': the primary is now ' + r.to + ' (routing published ' + iso(r.routingPublishedAt) + ', ' + (r.routed || 0) + ' model(s) routed' +
        (wc.length ? ', ' + wc.length + ' without a copy: ' + wc.slice(0, 20).join(', ') : '') + ', RPO ' + secs(r.achievedRpoSeconds) + ', RTO ' + secs(r.achievedRtoSeconds) + ').';
    }
    foResult(FO_STATUS[s.status] || 'st', text, s.status);
  }

  function banner(problem) {
    var b = $('banner');
    if (!problem) { b.className = ''; b.textContent = ''; return; }
    b.className = 'shown';
    b.textContent = safe('\u26A0 The API cannot be reached (' + problem + '). ' +
      (ui.lastOk ? 'Showing data fetched at ' + iso(ui.lastOk) + '. ' : '') + 'Retrying every ' + refreshSeconds + ' s.');
  }
  function refresh() {
    clearTimeout(ui.timer);
    var started = Date.now();
    ui.pending = Promise.allSettled([loadMatrix(), loadRuns(), loadCv(), loadGroup()]).then(function (results) {
      var failed = results.filter(function (r) { return r.status === 'rejected'; }).map(function (r) { return problemText(r.reason); });
      if (failed.length === 0) ui.lastOk = started;
      banner(failed.length ? failed[0] : '');
      setText('fetch-time', ui.lastOk ? 'Fetched ' + iso(ui.lastOk) : '');
      ui.timer = setTimeout(refresh, refreshSeconds * 1000);
    });
    return ui.pending;
  }

  var confirmAction = null;
  function ask(text, action) {
    setText('confirm-text', text);
    confirmAction = action;
    $('confirm').showModal();
  }
  function result(nodes) { $('action-result').replaceChildren.apply($('action-result'), nodes); }
  function start(body, label) {
    result([el('span', { text: label + ': starting\u2026' })]);
    return call('POST', '/replications', body).then(function (r) {
      $('action-result').setAttribute('data-run-id', r.id);
      result([el('span', { text: label + ': started run ' + r.id + '.' })]);
      refresh();
      if (body.dryRun) return followDryRun(r.id);
    }, function (e) {
      var b = e.body || {};
      result([el('span', { className: 'st st-failed', text: label + ' refused: ' + (e.status === 409 ? b.error : problemText(e)) })]);
    });
  }
  function followDryRun(id) {
    return call('GET', '/replications/' + encodeURIComponent(id)).then(function (s) {
      if (s.runtimeStatus === 'Completed') return showPlan(id, s.summary || {});
      if (s.runtimeStatus === 'Failed' || s.runtimeStatus === 'Terminated') {
        result([el('span', { className: 'st st-failed', text: 'Dry run ' + id + ' ' + s.runtimeStatus + ': ' + (s.error || '') })]);
        return;
      }
      result([el('span', { text: 'Dry run ' + id + ': ' + ((s.progress && s.progress.phase) || s.runtimeStatus) + '\u2026' })]);
      return new Promise(function (res) { setTimeout(res, 1000); }).then(function () { return followDryRun(id); });
    }, function (e) { result([el('span', { className: 'st st-failed', text: 'Dry run ' + id + ': ' + problemText(e) })]); });
  }
  function showPlan(id, summary) {
    var plan = summary.plan || { toCopy: [], alreadyReplicated: [], stale: [] };
    var shown = plan.toCopy.slice(0, 200);
    var rows = shown.map(function (p) { return el('tr', null, [el('td', { text: p.sourceModelId }), el('td', { text: p.region })]); });
    if (plan.toCopy.length > shown.length) rows.push(el('tr', null, [el('td', { colspan: 2, className: 'muted', text: '\u2026 and ' + (plan.toCopy.length - shown.length) + ' more' })]));
    result([
      el('div', { id: 'plan-summary', text: 'Dry run ' + id + ' plan: ' + plan.toCopy.length + ' pair(s) would be copied, ' +
        plan.alreadyReplicated.length + ' already replicated' + (plan.stale.length ? ', ' + plan.stale.length + ' stale' : '') +
        ((plan.unverifiedRegions || []).length ? ', unverified regions: ' + plan.unverifiedRegions.map(function (u) { return u.region; }).join(', ') : '') + '.' }),
      el('table', { id: 'plan' }, [el('thead', null, [el('tr', null, [el('th', { text: 'Model' }), el('th', { text: 'Region' })])]), el('tbody', null, rows)])
    ]);
  }

  function init() {
    $('confirm-ok').addEventListener('click', function () { $('confirm').close(); var a = confirmAction; confirmAction = null; if (a) a(); });
    $('confirm-cancel').addEventListener('click', function () { confirmAction = null; $('confirm').close(); });
    $('start-run').addEventListener('click', function () {
      ask('Start a replication run now? It copies every model that is missing or out of date in every region.', function () { start({}, 'Run'); });
    });
    $('dry-run').addEventListener('click', function () {
      ask('Start a dry run? It lists and plans without copying anything, then shows the plan here.', function () { start({ dryRun: true }, 'Dry run'); });
    });
    $('rerun-failed').addEventListener('click', function () {
      var f = ui.failedPairs;
      if (!f || f.count === 0) return;
      // Ids the service gave that a run request cannot name (e.g. classifier:<id>) are left out, and said so.
      var models = f.models.filter(function (m) { return requestableId.test(m); });
      var left = f.models.filter(function (m) { return !requestableId.test(m); });
      var leftText = left.length ? ' ' + left.length + ' failed model id(s) cannot be named in a run request and are left out (' +
        left.slice(0, 5).join(', ') + (left.length > 5 ? ', …' : '') + '): a full run copies them.' : '';
      if (models.length === 0) {
        result([el('span', { id: 'rerun-left-out', className: 'st st-failed', text: 'Re-run of failed pairs: nothing to re-run by id.' + leftText })]);
        return;
      }
      ask('Re-run the ' + f.count + ' failed pair(s)? This starts a run for ' + models.length + ' model(s) in ' + f.regions.join(', ') +
        ' (pairs already replicated are not copied again).' + leftText, function () { start({ models: models, regions: f.regions }, 'Re-run of failed pairs'); });
    });
    $('fo-test').addEventListener('click', function () { openFailover('test'); });
    $('fo-failover').addEventListener('click', function () { openFailover('failover'); });
    $('fo-dryrun').addEventListener('click', function () { openFailover('dryRun'); });
    $('fo-typed').addEventListener('input', foCheck);
    $('fo-to').addEventListener('change', foCheck);
    $('fo-mode').addEventListener('change', foForce);
    $('fo-ok').addEventListener('click', function () { startFailover(); });
    $('fo-cancel').addEventListener('click', function () { foKind = null; $('fo-dialog').close(); });
    $('refresh').addEventListener('click', function () { refresh(); });
    $('state').addEventListener('change', function (e) { ui.filter = e.target.value; ui.cursors = ['']; loadMatrix().catch(function (x) { banner(problemText(x)); }); });
    var debounce = 0;
    $('search').addEventListener('input', function (e) {
      clearTimeout(debounce);
      debounce = setTimeout(function () { ui.q = e.target.value.trim().slice(0, 200); ui.cursors = ['']; loadMatrix().catch(function (x) { banner(problemText(x)); }); }, 250);
    });
    $('next').addEventListener('click', function () { if (ui.nextCursor) { ui.cursors.push(ui.nextCursor); loadMatrix().catch(function (x) { banner(problemText(x)); }); } });
    $('prev').addEventListener('click', function () { if (ui.cursors.length > 1) { ui.cursors.pop(); loadMatrix().catch(function (x) { banner(problemText(x)); }); } });
    var tick = function () { setText('page-time', 'Page time ' + iso(Date.now())); };
    tick();
    setInterval(tick, 1000);
    setText('refresh-every', 'refreshes every ' + refreshSeconds + ' s');
    refresh();
  }
  init();
})();
`.replace('__MODEL_ID_PATTERN__', JSON.stringify(MODEL_ID_PATTERN.source));
