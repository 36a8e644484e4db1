// jobsim --html: draws the run's data (the JSON in #data) as SVG lanes on one shared time axis.
// No library, nothing fetched. Classes used by tests: .lane[data-kind], .slot, .pod, .run,
// .restart, .backoff, .event(.warning), .fault, .action, .expect.
(function () {
  'use strict';
  var T0 = performance.now();
  var D = JSON.parse(document.getElementById('data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var OUT = D.outcomes; // [key, label, short]
  var LABEL_W = 230, LANE_H = 22, JOB_H = 18, AXIS_H = 38, GAP = 6;
  var runs = D.runs;
  var t0 = Infinity, t1 = -Infinity;
  runs.forEach(function (r) { t0 = Math.min(t0, r.start); t1 = Math.max(t1, r.end); });
  if (!(t1 > t0)) { t1 = t0 + 1000; }
  var full = [t0, t1];
  var view = [t0, t1];
  // #view=FROM,TO in the address (RFC 3339 times or ms since the epoch): the initial view
  var vm = /view=([^,&]+),([^,&]+)/.exec(decodeURIComponent(location.hash));
  if (vm) {
    var pt = function (x) { return /^[0-9]+$/.test(x) ? Number(x) : Date.parse(x); };
    var a0 = pt(vm[1]), a1 = pt(vm[2]);
    if (a1 > a0) view = [a0, a1];
  }
  var tip = document.getElementById('tip');

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(name, attrs, text, parent) {
    var e = document.createElement(name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function iso(t) { return t === null || t === undefined ? '—' : new Date(t).toISOString().replace('.000Z', 'Z'); }
  function dur(ms) {
    if (ms < 0) ms = 0;
    var s = ms / 1000;
    if (s < 60) return (Math.round(s * 10) / 10) + 's';
    var m = Math.floor(s / 60), rs = Math.round(s - m * 60);
    if (m < 60) return m + 'm' + (rs ? rs + 's' : '');
    var hh = Math.floor(m / 60), rm = m - hh * 60;
    if (hh < 48) return hh + 'h' + (rm ? rm + 'm' : '');
    var d = Math.floor(hh / 24), rh = hh - d * 24;
    return d + 'd' + (rh ? rh + 'h' : '');
  }
  var fmtCache = {};
  function zoneFmt(zone, withDate) {
    var k = zone + '|' + withDate;
    if (!fmtCache[k]) {
      var o = { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
      if (withDate) { o.month = 'short'; o.day = 'numeric'; }
      try { fmtCache[k] = new Intl.DateTimeFormat('en-GB', o); }
      catch (e) { o.timeZone = 'UTC'; fmtCache[k] = new Intl.DateTimeFormat('en-GB', o); }
    }
    return fmtCache[k];
  }
  var fullCache = {};
  function zoneFull(t, zone) {
    if (!(zone in fullCache)) {
      try {
        fullCache[zone] = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
      } catch (e) { fullCache[zone] = null; }
    }
    return fullCache[zone] ? fullCache[zone].format(new Date(t)) : iso(t);
  }

  // ---- header: title, description, controls, legend ----
  var top = document.getElementById('top');
  h('h1', {}, 'jobsim: ' + (runs[0] ? runs[0].scenario : ''), top);
  if (D.description) h('p', { class: 'desc' }, D.description, top);
  var ctl = h('div', { class: 'controls' }, null, top);
  function btn(label, title, f) { var b = h('button', { type: 'button', title: title, 'aria-label': title }, label, ctl); b.addEventListener('click', f); return b; }
  btn('−', 'zoom out', function () { zoom(2, 0.5); });
  btn('+', 'zoom in', function () { zoom(0.5, 0.5); });
  btn('◀', 'pan left', function () { pan(-0.25); });
  btn('▶', 'pan right', function () { pan(0.25); });
  btn('reset', 'whole run', function () { setView(full[0], full[1]); });
  var allBtn = btn('all Jobs', 'show every kept Job, also the routine ones', function () {
    showAll = !showAll; allBtn.setAttribute('aria-pressed', showAll ? 'true' : 'false'); schedule(); });
  var rangeEl = h('span', { class: 'range' }, '', ctl);
  h('span', { class: 'note' }, 'wheel: zoom · drag: pan · hover: details', ctl);
  var legend = h('div', { class: 'legend', id: 'legend' }, null, top);
  function sw(cls, text, color) {
    var s = h('span', {}, null, legend);
    var box = h('span', { class: 'sw' }, null, s);
    box.style.background = color;
    h('span', {}, text, s);
  }
  var css = getComputedStyle(document.documentElement);
  function v(name) { return css.getPropertyValue(name).trim(); }
  var OUTVAR = { ran: '--ran', ran_twice: '--twice', forbid: '--forbid', controller_manager_down: '--cmdown',
    api_server_down: '--apidown', suspended: '--suspended', starting_deadline: '--deadline',
    too_many_missed: '--toomany', create_failed: '--createfailed', not_started: '--notstarted', pending: '--pending' };
  var seen = {};
  runs.forEach(function (r) { r.cronjobs.forEach(function (c) { c.lines.forEach(function (l) {
    if (l[3] >= 0) seen[l[3]] = 1; else l[4].forEach(function (n, i) { if (n) seen[i] = 1; });
  }); }); });
  OUT.forEach(function (o, i) { if (seen[i]) sw('o-' + o[0], 'slot ' + o[2], v(OUTVAR[o[0]])); });
  [['pending', '--p-pending'], ['running', '--p-running'], ['waiting to restart', '--p-waiting'],
   ['succeeded', '--p-succeeded'], ['failed', '--p-failed'], ['terminating', '--p-terminating']]
    .forEach(function (p) { sw('', 'pod ' + p[0], v(p[1])); });
  sw('', 'pod-failure back-off', v('--backoff'));
  sw('', 'fault window', v('--fault'));
  sw('', 'Job off schedule (hollow mark on the slot lane)', v('--bg'));
  sw('', 'Normal event', v('--normal'));
  sw('', 'Warning event', v('--warning'));

  // ---- per run: a section with an SVG and the expectations ----
  var main = document.getElementById('runs');
  var sections = runs.map(function (r, ri) {
    var sec = h('section', { class: 'run', 'data-kubernetes': r.kubernetes }, null, main);
    h('h2', {}, 'Kubernetes ' + r.kubernetes + ' · ' + iso(r.start) + ' → ' + iso(r.end) +
      ' · axis: ' + (r.zone === 'UTC' || r.zone === 'Etc/UTC' ? 'UTC' : 'UTC and ' + r.zone) + ' · at most ' + r.peak.jobs + ' Jobs and ' + r.peak.pods + ' pods at once', sec);
    var svg = el('svg', { class: 'timeline', role: 'img', 'aria-label': 'timeline of Kubernetes ' + r.kubernetes }, sec);
    return { r: r, svg: svg, sec: sec, H: 0, lanes: [] };
  });
  // #all in the address: every kept Job unfolded (as the "all Jobs" button)
  var showAll = location.hash.indexOf('all') >= 0;
  function routine(j) {
    return j.condition === 'Complete' && j.pods.length <= 1 && j.pods.every(function (p) { return !p.restarts && !p.disruption; });
  }
  // Job lanes: every non-routine Job, and of the routine ones (Complete, one pod, no restart)
  // the first and last FOLD_KEEP unless "all Jobs" is on
  var FOLD_KEEP = 3;
  function jobLanes(lanes, jobs, total, what) {
    var nr = jobs.filter(routine).length, k = 0, hidden = 0;
    jobs.forEach(function (j) {
      var isR = routine(j);
      if (isR) k++;
      if (showAll || !isR || nr <= 2 * FOLD_KEEP + 2 || k <= FOLD_KEEP || k > nr - FOLD_KEEP) {
        lanes.push({ kind: 'job', label: j.name, j: j, h: JOB_H });
      } else {
        hidden++;
        if (hidden === 1) lanes.push({ kind: 'more', label: '', h: 14 });
      }
    });
    var notKept = total - jobs.length;
    var moreLane = null;
    for (var i = lanes.length - 1; i >= 0; i--) { if (lanes[i].kind === 'more' && lanes[i].label === '') { moreLane = lanes[i]; break; } }
    if (hidden && moreLane) moreLane.label = '… ' + hidden + ' routine Jobs folded';
    if (notKept > 0) lanes.push({ kind: 'more', label: '… ' + notKept + ' more ' + what + ' not in the file (bounded)', h: 14 });
  }
  function computeLanes(S) {
    var r = S.r, lanes = [];
    r.cronjobs.forEach(function (c) {
      lanes.push({ kind: 'cronjob', label: 'CronJob ' + c.name, sub: c.schedule + ' (' + c.zone + ')', c: c, h: LANE_H,
        tip: 'CronJob ' + c.ns + '/' + c.name + '\nschedule: ' + c.schedule + '  zone: ' + c.zone + '\n' + c.summary +
          (c.linesTotal > D.limits.maxLines ? '\n(' + c.linesTotal + ' slot runs; the middle ones merged into bands)' : '') });
      jobLanes(lanes, c.jobs, c.jobsTotal, 'Jobs');
    });
    r.bare.forEach(function (b) { jobLanes(lanes, b.jobs, b.jobsTotal, 'Jobs'); });
    lanes.push({ kind: 'events', label: 'Events (' + r.eventsTotal + ')', sub: r.eventsDropped ? r.eventsDropped + ' not drawn' : '', h: LANE_H });
    if (r.expects.length) lanes.push({ kind: 'expectations', label: 'Expectations', h: LANE_H });
    var y = AXIS_H;
    lanes.forEach(function (l) { l.y = y; y += l.h + 2; });
    S.lanes = lanes;
    S.H = y + 4;
    S.svg.setAttribute('height', S.H);
  }
  sections.forEach(function (S, ri) {
    var r = S.r, sec = S.sec;
    // expectations list
    if (r.expects.length) {
      var ul = h('ul', { class: 'expectations' }, null, sec);
      r.expects.forEach(function (e, ei) {
        var li = h('li', { class: e[1] ? 'held' : 'failed' }, null, ul);
        if (e[3] !== null) {
          var a = h('a', { href: '#', 'data-expect': ri + ':' + ei }, e[0], li);
          a.addEventListener('click', function (ev) {
            ev.preventDefault();
            var a0 = e[3], a1 = e[4] !== null ? e[4] : e[3];
            var pad = Math.max((a1 - a0) * 0.25, 60000);
            setView(a0 - pad, a1 + pad);
          });
          h('span', { class: 'note' }, ' — ' + e[2] + ' (at ' + iso(e[3]) + (e[4] !== null ? ' → ' + iso(e[4]) : '') + ')', li);
        } else {
          h('span', {}, e[0], li);
          h('span', { class: 'note' }, ' — ' + e[2], li);
        }
      });
    }
  });

  // ---- drawing ----
  var W = 1000;
  function X(t) { return LABEL_W + (t - view[0]) / (view[1] - view[0]) * (W - LABEL_W - 8); }
  function clampX(x) { return Math.max(LABEL_W - 2, Math.min(W + 2, x)); }
  function rect(g, a, b, y, hh, cls, tipText, minW) {
    var x0 = X(a), x1 = X(b);
    if (x1 < LABEL_W || x0 > W) return null;
    x0 = clampX(x0); x1 = clampX(x1);
    var w = Math.max(x1 - x0, minW || 0.8);
    var e = el('rect', { x: x0.toFixed(1), y: y, width: w.toFixed(1), height: hh, class: cls }, g);
    if (tipText) e.setAttribute('data-tip', tipText);
    return e;
  }
  var STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5,
    1728e5, 6048e5, 12096e5, 2592e6, 7776e6, 31536e6];
  function drawAxis(g, zone) {
    var span = view[1] - view[0], px = W - LABEL_W;
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) { if (STEPS[i] / span * px >= 90) { step = STEPS[i]; break; } }
    var withDate = step >= 864e5 || span > 864e5;
    var ax = el('g', { class: 'axis' }, g);
    el('text', { x: 4, y: 14, class: 'zone' }, ax).textContent = 'UTC';
    var two = zone !== 'UTC' && zone !== 'Etc/UTC';
    if (two) el('text', { x: 4, y: 30, class: 'zone' }, ax).textContent = zone;
    var first = Math.ceil(view[0] / step) * step;
    for (var t = first; t <= view[1]; t += step) {
      var x = X(t);
      el('line', { x1: x, x2: x, y1: 34, y2: 100000, class: 'grid' }, g);
      el('text', { x: x + 2, y: 14 }, ax).textContent = zoneFmt('UTC', withDate).format(new Date(t));
      if (two) el('text', { x: x + 2, y: 30 }, ax).textContent = zoneFmt(zone, withDate).format(new Date(t));
    }
  }
  function podTip(p, j) {
    var s = 'Pod ' + p.name + ' (Job ' + j.name + ')\nphase: ' + p.phase + (p.node ? '  node: ' + p.node : '') +
      '\ncreated ' + iso(p.created);
    p.runs.forEach(function (run, i) { s += '\ncontainer run ' + (i + 1) + ': ' + iso(run[0]) + ' → ' + (run[1] === null ? 'running' : iso(run[1])) + (run[1] !== null ? ' (' + dur(run[1] - run[0]) + ')' : ''); });
    if (p.exit !== null) s += '\nexit code ' + p.exit;
    if (p.restarts) s += '\nrestarts ' + p.restarts;
    if (p.disruption) s += '\nDisruptionTarget: ' + p.disruption;
    if (p.delReq !== null) s += '\ndeletion requested ' + iso(p.delReq);
    if (p.deleted !== null) s += '\ndeleted ' + iso(p.deleted);
    return s;
  }
  function drawJob(g, l, r) {
    var j = l.j, y = l.y + 1, hh = l.h - 2;
    var end = r.end;
    var jt = 'Job ' + j.name + '\ncreated ' + iso(j.created) + (j.scheduled !== null ? '  scheduled ' + iso(j.scheduled) : '') +
      '\n' + (j.condition ? j.condition + (j.reason ? ' (' + j.reason + ')' : '') + ' at ' + iso(j.finished) : 'not finished') +
      (j.deleted !== null ? '\ndeleted ' + iso(j.deleted) : '') + '\npods: ' + j.pods.length;
    var prevEnd = null, prevFailed = false;
    j.pods.forEach(function (p) {
      var stop = p.deleted !== null ? p.deleted : end;
      var lastR = p.runs.length ? p.runs[p.runs.length - 1] : null;
      if (X(stop) < LABEL_W || X(p.created) > W) {
        // out of view: not drawn, but it still starts the next back-off
        prevEnd = lastR && lastR[1] !== null ? lastR[1] : (p.delReq !== null ? p.delReq : null);
        prevFailed = p.phase === 'Failed';
        return;
      }
      var pg = el('g', { class: 'pod', 'data-tip': podTip(p, j), 'data-phase': p.phase }, g);
      // back-off gap: from the previous failed pod's end to this pod's creation
      if (prevFailed && prevEnd !== null && p.created > prevEnd) {
        var bx = rect(g, prevEnd, p.created, y, hh, 'backoff', 'pod-failure back-off ' + dur(p.created - prevEnd) +
          '\n' + iso(prevEnd) + ' → ' + iso(p.created), 2);
        if (bx) {
          bx.setAttribute('data-ms', p.created - prevEnd);
          var bw = parseFloat(bx.getAttribute('width'));
          var lt = el('text', { class: 'backoff-label', x: (parseFloat(bx.getAttribute('x')) + bw / 2).toFixed(1), y: y + hh - 3, 'text-anchor': 'middle' }, g);
          lt.textContent = bw > 26 ? dur(p.created - prevEnd) : '';
        }
      }
      var firstRun = p.runs.length ? p.runs[0][0] : null;
      var lastRun = p.runs.length ? p.runs[p.runs.length - 1] : null;
      var termFrom = p.delReq !== null ? p.delReq : stop;
      rect(pg, p.created, Math.min(firstRun !== null ? firstRun : termFrom, termFrom), y, hh, 'seg-pending');
      p.runs.forEach(function (run, i) {
        var f = run[1] === null ? stop : run[1];
        rect(pg, run[0], f, y, hh, 'seg-running run');
        if (i > 0) {
          var x = X(run[0]);
          if (x >= LABEL_W && x <= W) el('line', { class: 'restart', x1: x, x2: x, y1: y - 1, y2: y + hh + 1 }, pg);
        }
        var next = i + 1 < p.runs.length ? p.runs[i + 1][0] : null;
        if (next !== null && run[1] !== null && next > run[1]) rect(pg, run[1], next, y + 3, hh - 6, 'seg-waiting');
      });
      // a terminated pod stays (until deleted) as a thin strip in its phase's colour, so the
      // next pod and the back-off before it stay readable in the same lane
      var tail = p.phase === 'Succeeded' || p.phase === 'Failed';
      var tcls = p.phase === 'Succeeded' ? 'seg-succeeded' : p.phase === 'Failed' ? 'seg-failed' : 'seg-waiting';
      if (lastRun && lastRun[1] !== null && lastRun[1] < termFrom) {
        if (tail) {
          rect(pg, lastRun[1], lastRun[1], y, hh, tcls + ' phase-cap', null, 3);
          rect(pg, lastRun[1], termFrom, y + hh - 4, 4, tcls + ' phase-tail');
        } else rect(pg, lastRun[1], termFrom, y + 3, hh - 6, tcls);
      } else if (!lastRun && tail) {
        rect(pg, p.created, termFrom, y + hh - 4, 4, tcls + ' phase-tail');
      }
      if (p.delReq !== null) rect(pg, p.delReq, stop, y, hh, 'seg-terminating');
      var outline = rect(pg, p.created, tail && lastRun && lastRun[1] !== null ? lastRun[1] : stop, y, hh, 'pod-outline');
      if (outline) outline.setAttribute('fill', 'transparent');
      prevEnd = lastRun && lastRun[1] !== null ? lastRun[1] : (p.delReq !== null ? p.delReq : null);
      prevFailed = p.phase === 'Failed';
    });
    return jt;
  }
  function slotTip(l, c) {
    if (l[3] < 0) {
      var s = l[2] + ' slots ' + iso(l[0]) + ' → ' + iso(l[1]) + ' (merged band):';
      l[4].forEach(function (n, i) { if (n) s += '\n  ' + OUT[i][2] + ' ' + n; });
      return s + '\nCronJob ' + c.name;
    }
    return (l[2] > 1 ? l[2] + ' slots ' + iso(l[0]) + ' → ' + iso(l[1]) + ' every ' + dur(l[5]) : 'slot ' + iso(l[0])) +
      '\n' + l[4] + '\n' + zoneFull(l[0], c.zone) + '\nCronJob ' + c.name;
  }
  function drawSlots(g, l) {
    var c = l.c, y = l.y + 3, hh = l.h - 6;
    var pxPerMs = (W - LABEL_W - 8) / (view[1] - view[0]);
    // a lone slot is 6 px wide, unless the lines in view are too dense for that
    var inView = 0;
    c.lines.forEach(function (s) { if (!(s[1] < view[0] || s[0] > view[1])) inView++; });
    var loneW = inView * 6 > (W - LABEL_W) ? 1.2 : 6;
    c.lines.forEach(function (s) {
      if (s[1] < view[0] - 1 || s[0] > view[1] + 1) return;
      var mixed = s[3] < 0;
      var key;
      if (mixed) {
        var best = 0;
        s[4].forEach(function (n, i) { if (n > s[4][best]) best = i; });
        key = OUT[best][0];
      } else key = OUT[s[3]][0];
      var tipText = slotTip(s, c);
      // detail on zoom: the slots of an evenly spaced run one by one once 3 px apart
      if (!mixed && s[2] > 1 && s[5] * pxPerMs >= 3) {
        var i0 = Math.max(0, Math.floor((view[0] - s[0]) / s[5])), i1 = Math.min(s[2] - 1, Math.ceil((view[1] - s[0]) / s[5]));
        var w = Math.max(1.5, Math.min(s[5] * pxPerMs * 0.7, 10));
        for (var i = i0; i <= i1; i++) {
          var t = s[0] + i * s[5], x = X(t);
          el('rect', { x: (x - w / 2).toFixed(1), y: y, width: w.toFixed(1), height: hh, class: 'slot o-' + key,
            'data-tip': 'slot ' + iso(t) + '\n' + s[4] + '\n' + zoneFull(t, c.zone) + '\nCronJob ' + c.name }, g);
        }
        return;
      }
      var a = s[0], b = s[1];
      if (s[2] === 1) { var wpx = loneW; var x0 = X(a); if (x0 < LABEL_W - 4 || x0 > W + 4) return;
        el('rect', { x: (x0 - wpx / 2).toFixed(1), y: y, width: wpx, height: hh, class: 'slot o-' + key, 'data-tip': tipText }, g); return; }
      var r = rect(g, a, b, y, hh, 'slot o-' + key + (mixed ? ' mixed' : ''), tipText, 2);
      if (r && parseFloat(r.getAttribute('width')) > 34) {
        el('text', { class: 'slot-count', x: (parseFloat(r.getAttribute('x')) + parseFloat(r.getAttribute('width')) / 2).toFixed(1),
          y: y + hh - 4, 'text-anchor': 'middle' }, g).textContent = '×' + s[2];
      }
    });
  }
  // Is `t` one of the slots of the CronJob's lines (exact lines only; merged bands say no)?
  function isSlot(c, t) {
    var lo = 0, hi = c.lines.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, l = c.lines[mid];
      if (t < l[0]) hi = mid - 1;
      else if (t > l[1]) lo = mid + 1;
      else return l[3] < 0 || l[2] === 1 ? t === l[0] || t === l[1] || l[3] < 0 : (t - l[0]) % l[5] === 0;
    }
    return false;
  }
  // Jobs whose scheduled time is not a slot of the run (off schedule): a hollow mark
  function drawOffSchedule(g, l) {
    var c = l.c, y = l.y + l.h / 2;
    c.jobs.forEach(function (j) {
      if (j.scheduled === null || isSlot(c, j.scheduled)) return;
      var x = X(j.scheduled);
      if (x < LABEL_W - 4 || x > W + 4) return;
      el('path', { class: 'slot off-schedule', d: 'M' + x.toFixed(1) + ' ' + (y - 7) + ' l5 7 l-5 7 l-5 -7 z',
        'data-tip': 'Job ' + j.name + ' for ' + iso(j.scheduled) + ': not a slot of the run (off schedule)\ncreated ' + iso(j.created) }, g);
    });
  }
  function drawRun(S) {
    var r = S.r, svg = S.svg;
    computeLanes(S);
    W = Math.max(600, svg.clientWidth || svg.getBoundingClientRect().width || 1200);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + S.H);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var bg = el('g', {}, svg);
    S.lanes.forEach(function (l, i) {
      el('rect', { class: 'lane-bg', x: LABEL_W, y: l.y, width: W - LABEL_W, height: l.h, 'fill-opacity': i % 2 ? 0.5 : 1 }, bg);
    });
    drawAxis(bg, r.zone);
    var faults = el('g', {}, svg);
    r.faults.forEach(function (f) {
      var to = f[1] === null ? r.end : f[1];
      var fr = rect(faults, f[0], to, AXIS_H - 4, S.H - AXIS_H + 4, 'fault', 'fault: ' + f[2] + '\n' + iso(f[0]) + ' → ' +
        (f[1] === null ? 'end of run' : iso(f[1])) + ' (' + dur(to - f[0]) + ')', 2);
      if (fr) el('text', { class: 'fault-label', x: Math.max(LABEL_W, X(f[0])) + 3, y: S.H - 4 }, faults).textContent = f[2];
    });
    var body = el('g', {}, svg);
    var labels = el('g', {}, svg);
    S.lanes.forEach(function (l) {
      var lg = el('g', { class: 'lane', 'data-kind': l.kind }, body);
      var tipText = l.tip;
      if (l.kind === 'cronjob') { drawSlots(lg, l); drawOffSchedule(lg, l); }
      else if (l.kind === 'job') tipText = drawJob(lg, l, r);
      else if (l.kind === 'events') {
        r.events.forEach(function (e) {
          var x = X(e[0]);
          if (x < LABEL_W - 4 || x > W + 4) return;
          var cy = l.y + l.h / 2, m;
          var t = (e[2] ? 'Warning' : 'Normal') + ' ' + e[3] + '\nobject: ' + e[4] + '\nmessage: ' + e[5] + '\ncount: ' + e[6] +
            (e[6] > 1 ? ' (first ' + iso(e[0]) + ', last ' + iso(e[1]) + ')' : '  at ' + iso(e[0]));
          if (e[2]) {
            m = el('path', { class: 'event warning', d: 'M' + x.toFixed(1) + ' ' + (cy - 7) + ' l6 11 h-12 z', 'data-tip': t }, lg);
          } else {
            m = el('circle', { class: 'event normal', cx: x.toFixed(1), cy: cy, r: 3.5, 'data-tip': t }, lg);
          }
          m.setAttribute('data-reason', e[3]);
        });
      } else if (l.kind === 'expectations') {
        r.expects.forEach(function (e, ei) {
          if (e[3] === null) return;
          var cls = e[1] ? 'held' : 'failed';
          var t = (e[1] ? 'held: ' : 'FAILED: ') + e[0] + '\n' + e[2];
          if (e[4] !== null) rect(lg, e[3], e[4], l.y + 2, l.h - 4, 'expect-window ' + cls, t, 1);
          var x = X(e[3]);
          if (x < LABEL_W - 4 || x > W + 4) return;
          el('path', { class: 'expect ' + cls, d: 'M' + x.toFixed(1) + ' ' + (l.y + 3) + ' l6 8 l-6 8 l-6 -8 z', 'data-tip': t, 'data-expect': ri(r) + ':' + ei }, lg);
        });
      }
      var lt = el('text', { class: 'lane-label', x: 4, y: l.y + Math.min(l.h - 5, 13) }, labels);
      lt.textContent = l.label.length > 36 ? l.label.slice(0, 35) + '…' : l.label;
      if (l.kind === 'more') lt.setAttribute('class', 'lane-label more');
      if (tipText) lt.setAttribute('data-tip', tipText);
    });
    var acts = el('g', {}, svg);
    r.actions.forEach(function (a) {
      var x = X(a[0]);
      if (x < LABEL_W || x > W) return;
      var ag = el('g', { class: 'action', 'data-tip': 'action: ' + a[1] + (a[2] ? '\nfailed: ' + a[2] : '') + '\n' + iso(a[0]) }, acts);
      el('line', { x1: x, x2: x, y1: AXIS_H - 4, y2: S.H }, ag);
      el('rect', { x: x - 4, y: AXIS_H - 4, width: 8, height: S.H - AXIS_H + 4, fill: 'transparent' }, ag);
      el('text', { x: x + 3, y: AXIS_H + 8 }, ag).textContent = a[1].length > 40 ? a[1].slice(0, 39) + '…' : a[1];
    });
    // mask the label column
    var mask = el('rect', { x: 0, y: AXIS_H - 2, width: LABEL_W - 2, height: S.H, fill: 'var(--bg)' }, svg);
    mask.style.fill = 'var(--bg)';
    svg.appendChild(labels);
  }
  function ri(r) { return runs.indexOf(r); }
  var pending = false;
  function redraw() {
    pending = false;
    sections.forEach(drawRun);
    rangeEl.textContent = iso(Math.round(view[0])) + ' → ' + iso(Math.round(view[1])) + '  (' + dur(view[1] - view[0]) + ')';
  }
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(redraw); } }
  function setView(a, b) {
    var span = Math.max(b - a, 1000);
    var fs = full[1] - full[0];
    if (span > fs * 1.5) { a = full[0] - fs * 0.25; span = fs * 1.5; }
    view = [a, a + span];
    schedule();
  }
  function zoom(f, at) { var span = view[1] - view[0], c = view[0] + span * at; setView(c - (c - view[0]) * f, c + (view[1] - c) * f); }
  function pan(frac) { var span = view[1] - view[0]; setView(view[0] + span * frac, view[1] + span * frac); }
  sections.forEach(function (S) {
    var svg = S.svg, drag = null;
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var rc = svg.getBoundingClientRect();
      var at = Math.max(0, Math.min(1, ((e.clientX - rc.left) * W / rc.width - LABEL_W) / (W - LABEL_W - 8)));
      zoom(e.deltaY > 0 ? 1.25 : 0.8, at);
    }, { passive: false });
    svg.addEventListener('pointerdown', function (e) { drag = { x: e.clientX, v: view.slice() }; svg.classList.add('dragging'); });
    window.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var rc = svg.getBoundingClientRect();
      var dt = (e.clientX - drag.x) * W / rc.width / (W - LABEL_W - 8) * (drag.v[1] - drag.v[0]);
      setView(drag.v[0] - dt, drag.v[1] - dt);
    });
    window.addEventListener('pointerup', function () { drag = null; svg.classList.remove('dragging'); });
    svg.addEventListener('mouseover', function (e) {
      var t = e.target.closest ? e.target.closest('[data-tip]') : null;
      if (!t) { tip.hidden = true; return; }
      tip.textContent = t.getAttribute('data-tip');
      tip.hidden = false;
      var x = e.clientX || 0, yy = e.clientY || 0;
      tip.style.left = Math.min(x + 12, window.innerWidth - 360) + 'px';
      tip.style.top = (yy + 14) + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; });
  });
  window.addEventListener('resize', schedule);
  window.addEventListener('keydown', function (e) {
    if (e.key === '+' || e.key === '=') zoom(0.5, 0.5); else if (e.key === '-') zoom(2, 0.5);
    else if (e.key === 'ArrowLeft') pan(-0.25); else if (e.key === 'ArrowRight') pan(0.25);
  });
  redraw();
  document.body.setAttribute('data-render-ms', (performance.now() - T0).toFixed(1));
  document.body.setAttribute('data-ready', '1');
  // #selftest: hover the first pod, Warning event and slot as a person would, and write what
  // the tooltip then shows into the page (for headless tests that read the DOM).
  if (location.hash.indexOf('selftest') >= 0) {
    var out = h('pre', { id: 'selftest' }, null, document.body);
    [['pod', 'g.pod'], ['warning', '.event.warning'], ['event', '.event'], ['slot', '.slot'], ['backoff', '.backoff']].forEach(function (q) {
      var target = document.querySelector(q[1]);
      if (!target) return;
      var hit = target.querySelector ? (target.querySelector('rect') || target) : target;
      var b = hit.getBoundingClientRect();
      hit.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: b.left + 1, clientY: b.top + 1 }));
      h('div', { 'data-hover': q[0] }, tip.hidden ? '' : tip.textContent, out);
    });
    tip.hidden = true;
  }
})();
