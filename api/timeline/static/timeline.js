// Glue for the timeline page: draw the figures the server built at the width of the
// window, label their marks and lanes, replay what was known on the slider's date
// (offline: each trace names its epoch in trace.meta.replay), and refresh when the
// story's event stream says something new was recorded.
//
// Speed: every mark is part of one SVG path per colour group and epoch, so a replay
// step only changes traces' opacity (a style change: plotly redraws nothing); the labels
// are plain HTML laid over the plot, placed where they fit; a chart is drawn when it
// comes near the screen, so the page is ready once the charts on the screen are.
(function () {
  "use strict";
  var DAY = 86400000;
  var CHARTS = ["timeline", "lag", "knowledge"];
  var PHONE = 640;  // px of chart width below which a chart takes the phone layout
  var MAX_LABELS = 220;  // labels on marks at once: beyond this, the chart is a texture
  var PLOT_CONFIG = { responsive: false, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function byId(id) { return document.getElementById(id); }
  function isoDay(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function dayOf(iso) {
    var t = Date.parse(iso + "T00:00:00Z");
    return isNaN(t) ? null : Math.floor(t / DAY);
  }
  function unescaped(text) {  // the server escapes & < > for plotly; labels are set as text
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  var config = JSON.parse(byId("page-config").textContent);
  var slider = byId("known-slider");
  var knownPicker = byId("known-at");
  var occurredPicker = byId("occurred-until");
  var countLine = byId("replay-count");
  var dateLabel = byId("replay-date");
  var liveStatus = byId("live-status");
  var asOfLine = byId("as-of-text");
  var state = { day: Number(slider.value), occurred: config.occurred_until };
  var page = { last: Number(slider.max), occurred: config.occurred_until, asOf: asOfLine ? asOfLine.textContent : "" };
  var charts = {};  // per chart: its graph div, the server's figure and what is drawn
  var textPending = false;
  var chartTimer = null;

  function replayOf(trace) { return trace.meta && trace.meta.replay; }

  // ---- which items a date shows ------------------------------------------------------
  // Dates are day numbers (days since 1970-01-01, UTC): "known on D" means by the end of
  // day D, so a state is shown when it became known on D or before and was not replaced
  // by a later state on D or before; with a "happened by" date, when it had begun by then.
  function live(from, until, day) {
    return from <= day && (until === null || until === undefined || until > day);
  }
  function begun(start, occurred) { return occurred === null || start <= occurred; }

  // ---- layout for the chart's width ----------------------------------------------------
  function fitted(name, figure, width) {
    var base = figure.layout;
    var phone = width < PHONE;
    var layout = Object.assign({}, base, { width: width, autosize: false });
    if (base.meta && base.meta.labels) {  // the labels are this page's, not plotly's to copy
      layout.meta = Object.assign({}, base.meta);
      delete layout.meta.labels;
    }
    var items = base.meta && base.meta.lanes;
    layout.xaxis = Object.assign({}, base.xaxis, { nticks: phone ? 4 : 0 });
    if (phone && base.xaxis && base.xaxis.title) {
      layout.xaxis.title = Object.assign({}, base.xaxis.title, { text: String(base.xaxis.title.text).split(" (")[0] });
    }
    layout.margin = Object.assign({}, base.margin);
    if (items) {  // the lane labels are drawn over the margin, wrapped at its width
      layout.yaxis = Object.assign({}, base.yaxis, { showticklabels: false });
      layout.margin.l = phone ? Math.min(base.margin.l, 118) : base.margin.l;
    }
    layout.legend = Object.assign({}, base.legend);
    layout.height = base.height;
    layout.showlegend = !phone;  // a phone's legend is a list below the plot (phoneLegend)
    if (phone) {
      layout.margin.r = 8;
      layout.title = Object.assign({}, base.title, { font: { size: 13 } });
    }
    return layout;
  }

  // On a phone the legend goes below the plot, across the width, never over it: plotly
  // sizes a horizontal legend to the plot area beside the lane labels, so it is a list.
  function phoneLegend(c) {
    var list = c.gd.parentNode.querySelector(".phone-legend");
    if (!list) {
      list = document.createElement("ul");
      list.className = "phone-legend";
      c.gd.parentNode.appendChild(list);
    }
    var phone = c.width < PHONE;
    list.hidden = !phone;
    if (!phone || list.childElementCount) return;
    c.figure.data.forEach(function (trace) {
      if (trace.showlegend === false || !trace.name) return;
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = trace.fillcolor || (trace.line && trace.line.color) || (trace.marker && trace.marker.color) || "#888";
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(trace.name));
      list.appendChild(item);
    });
  }

  function widthOf(name) {
    var box = byId("chart-" + name).parentNode;
    return Math.max(280, Math.floor(box.clientWidth - 2));
  }

  // ---- drawing -----------------------------------------------------------------------
  function remember(name, figure, width) {
    var gd = byId("chart-" + name);
    var c = {
      // the server drew the figure at the page's dates: its "happened by" date included
      name: name, gd: gd, figure: figure, width: width, occurred: page.occurred,
      on: [], known: 0, overlay: gd.parentNode.querySelector(".overlay"),
      laneRows: figure.layout.meta && figure.layout.meta.lanes,
      laneText: (figure.layout.yaxis && figure.layout.yaxis.ticktext) || [],
      labels: figure.layout.meta && figure.layout.meta.labels,
      originalY: figure.data.map(function (t) { return replayOf(t) ? t.y : null; })
    };
    // The server draws its figure at the page's date: a replaced state is drawn hidden.
    c.on = figure.data.map(function (t) {
      var r = replayOf(t);
      return !r || r.handles || r.until === undefined;
    });
    charts[name] = c;
    return c;
  }

  // A chart is drawn when it is on the screen; the rest are drawn as the reader scrolls
  // towards them (half a screen before they come into view). The page is ready once what
  // is on the screen is drawn: a 10,000-fact story no longer waits for all three charts.
  var latest = null;  // the newest figures from the server, drawn or not
  var drawing = {};   // per chart: the promise of its draw under way

  function near(name) {
    var box = byId("chart-" + name).getBoundingClientRect();
    var screen = window.innerHeight || document.documentElement.clientHeight;
    return box.bottom > 0 && box.top < screen;
  }

  function drawOne(name) {
    var figure = latest[name];
    var gd = byId("chart-" + name);
    var width = widthOf(name);
    var done = Plotly.react(gd, figure.data, fitted(name, figure, width), PLOT_CONFIG).then(function () {
      var c = remember(name, figure, width);
      var old = gd.parentNode.querySelector(".phone-legend");
      if (old) old.replaceChildren();
      phoneLegend(c);
      if (!gd._replayWired) {
        gd._replayWired = true;
        gd.on("plotly_relayout", function () { overlay(charts[name]); });
        gd.on("plotly_relayouting", function () { overlay(charts[name]); });
      }
      delete drawing[name];
      return c;
    });
    drawing[name] = done;
    return done;
  }

  function markDrawn() {
    document.body.setAttribute("data-charts", CHARTS.filter(function (n) { return charts[n]; }).join(" "));
  }

  // The charts already drawn are drawn again with the new figures, and so are those near
  // the screen; the others wait for the reader to come near them.
  function draw(figures) {
    latest = figures;
    CHARTS.forEach(function (name) {  // an undrawn chart keeps its place: nothing moves later
      if (!charts[name]) byId("chart-" + name).style.minHeight = figures[name].layout.height + "px";
    });
    return Promise.all(CHARTS.map(function (name) {
      if (!charts[name] && !near(name) && lazily) return Promise.resolve();
      return drawOne(name);
    })).then(markDrawn);
  }

  var lazily = !!window.IntersectionObserver;
  function watchUndrawn() {
    if (!lazily) return;
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var name = entry.target.id.replace("chart-", "");
        if (!entry.isIntersecting || charts[name] || drawing[name]) return;
        drawOne(name).then(function () { return replayChart(name); }).then(markDrawn);
      });
    }, { rootMargin: "50% 0px 50% 0px" });
    CHARTS.forEach(function (name) { seen.observe(byId("chart-" + name)); });
  }

  // ---- the replay ----------------------------------------------------------------------
  // The "happened by" date hides items inside an epoch: their points are blanked (y null),
  // which costs a redraw; it changes seldom. The slider only toggles whole epochs.
  function blankUnbegun(c, occurred) {
    if (c.occurred === occurred) return Promise.resolve();
    var ys = [];
    var traces = [];
    c.gd.data.forEach(function (trace, t) {
      var r = replayOf(trace);
      if (!r || r.handles) return;  // the handles' hoverinfo follows both dates
      var y0 = c.originalY[t];
      var y = y0;
      if (occurred !== null) {
        y = y0.slice();
        for (var i = 0; i < r.start.length; i++) {
          if (r.start[i] > occurred) {
            for (var k = 0; k < r.stride; k++) y[i * r.stride + k] = null;
          }
        }
      }
      ys.push(y);
      traces.push(t);
    });
    c.occurred = occurred;
    return traces.length ? Plotly.restyle(c.gd, { y: ys }, traces) : Promise.resolve();
  }

  // An epoch shown or hidden is its traces' opacity alone. Plotly.restyle would
  // re-derive every trace's defaults to change them (~150 ms for 250 traces on a slow
  // machine), so the change is made where restyle makes it: the trace as given, the trace
  // as plotly completed it (which hover and later redraws read) and its drawn group. Where
  // those are not found (another plotly), Plotly.restyle does it.
  function setEpoch(gd, t, opacity) {
    var full = gd._fullData && gd._fullData[t];
    var cd = gd.calcdata && gd.calcdata[t];
    var node = cd && cd[0] && cd[0].node3;
    if (!full || full.index !== t || !node || typeof node.style !== "function") return false;
    gd.data[t].opacity = opacity;
    full.opacity = opacity;
    node.style("opacity", opacity);
    return true;
  }

  // The hover handles: each point's hoverinfo, changed in place in the array plotly reads
  // when the pointer moves (nothing to redraw).
  function toggleHandles(gd, t, r, end) {
    var hoverinfo = gd.data[t].hoverinfo;
    var full = gd._fullData && gd._fullData[t];
    for (var i = 0; i < r.from.length; i++) {
      hoverinfo[i] = live(r.from[i], r.until[i], end.known) && begun(r.start[i], end.occurred) ? "text" : "none";
    }
    if (full && full.hoverinfo !== hoverinfo) full.hoverinfo = hoverinfo;
  }

  function toggleEpochs(c, end) {
    var opacity = [];
    var traces = [];
    c.gd.data.forEach(function (trace, t) {
      var r = replayOf(trace);
      if (!r) return;
      if (r.handles) { toggleHandles(c.gd, t, r, end); return; }
      var on = live(r.from, r.until, end.known);
      if (on === c.on[t]) return;
      c.on[t] = on;
      if (setEpoch(c.gd, t, on ? 1 : 0)) return;
      traces.push(t);
      opacity.push(on ? 1 : 0);
    });
    if (!traces.length) return Promise.resolve();
    return Plotly.restyle(c.gd, { opacity: opacity }, traces);
  }

  // Which rows show something, and how many facts a chart draws.
  // Of the facts some traces draw: how many are shown on the dates, in which rows, and
  // how many the page's date shows (``total``: the states no later state replaced).
  function shownIn(traces, end) {
    var shown = { rows: {}, known: 0, total: 0 };
    traces.forEach(function (trace) {
      var r = replayOf(trace);
      if (!r || !r.counted) return;
      if (r.until === undefined) shown.total += r.start.length;
      if (!live(r.from, r.until, end.known)) return;
      for (var i = 0; i < r.start.length; i++) {
        if (begun(r.start[i], end.occurred)) { shown.rows[r.row[i]] = true; shown.known++; }
      }
    });
    return shown;
  }

  function shownRows(c, end) {
    var shown = shownIn(c.gd.data, end);
    c.known = shown.known;
    return shown.rows;
  }

  function replayChart(name) {
    var c = charts[name];
    if (!c) return Promise.resolve();  // not drawn yet: drawn at the replayed dates later
    var end = { known: state.day, occurred: state.occurred };
    if (name === "knowledge") {
      var shapes = c.gd.layout && c.gd.layout.shapes;
      if (!shapes || !shapes.length || shapes[0].x0 === isoDay(state.day)) return Promise.resolve();
      return Plotly.relayout(c.gd, { "shapes[0].x0": isoDay(state.day), "shapes[0].x1": isoDay(state.day) });
    }
    return blankUnbegun(c, end.occurred).then(function () {
      return toggleEpochs(c, end);
    }).then(function () {
      c.rows = shownRows(c, end);
      overlay(c);
    });
  }

  function replayCharts() {
    return Promise.all(CHARTS.map(replayChart));
  }

  // ---- labels over the plot -------------------------------------------------------------
  function layer(c, cls) {
    var el = c.overlay.querySelector("." + cls);
    if (!el) {
      el = document.createElement("div");
      el.className = cls;
      c.overlay.appendChild(el);
    }
    return el;
  }

  function pool(parent, count, cls) {
    while (parent.children.length < count) {
      var span = document.createElement("span");
      span.className = cls;
      parent.appendChild(span);
    }
    for (var i = 0; i < parent.children.length; i++) parent.children[i].hidden = i >= count;
    return parent.children;
  }

  function overlay(c) {  // the charts of items: the knowledge chart has its own words
    if (!c || !c.laneRows || !c.overlay || !c.gd._fullLayout || !c.gd._fullLayout.xaxis) return;
    var L = c.gd._fullLayout;
    c.overlay.style.width = L.width + "px";
    c.overlay.style.height = L.height + "px";
    if (!c.rows) c.rows = shownRows(c, { known: state.day, occurred: state.occurred });
    laneLabels(c, L);
    markLabels(c, L);
    emptyState(c, L);
  }

  // A lane's label (a meeting's title, an actor's name) is itself something learnt: shown
  // once one of its items is known on the replayed date. Wrapped at the margin's width;
  // one that would run into the label above it waits (a huge story has more lanes than
  // lines of text).
  function laneLabels(c, L) {
    if (!c.laneRows) return;
    var ya = L.yaxis;
    var holder = layer(c, "lanes");
    var shown = [];
    c.laneRows.forEach(function (span, lane) {
      for (var row = span[0]; row <= span[1]; row++) {
        if (c.rows[row]) { shown.push(lane); return; }
      }
    });
    var spans = pool(holder, shown.length, "lane-label");
    holder.style.width = (L.margin.l - 8) + "px";
    shown.forEach(function (lane, i) {
      spans[i].innerHTML = "";
      spans[i].textContent = unescaped(String(c.laneText[lane] || "")).replace(/<br>/g, " ");
    });
    var bottom = -Infinity;
    shown.forEach(function (lane, i) {  // one read of the heights, then the writes
      var span = c.laneRows[lane];
      var centre = ya._offset + (ya.l2p(span[0]) + ya.l2p(span[1])) / 2;
      var h = spans[i].offsetHeight;
      var top = centre - h / 2;
      var fits = top >= bottom - 1 && top >= 0;
      spans[i].style.top = Math.round(top) + "px";
      spans[i].style.visibility = fits ? "visible" : "hidden";
      if (fits) bottom = top + h;
    });
  }

  // Labels on marks: the widest marks first, inside a bar when it is long enough, else
  // just after the mark when nothing else is there; the rest wait for a zoom.
  function markLabels(c, L) {
    var meta = c.labels;
    if (!meta) return;
    var xa = L.xaxis;
    var ya = L.yaxis;
    var rowPx = Math.abs(ya.l2p(1) - ya.l2p(0));
    var holder = layer(c, "marks");
    var font = rowPx >= 15 ? 11 : rowPx >= 11 ? 10 : 0;
    if (!font) { pool(holder, 0, "mark-label"); return; }
    var charPx = font * 0.56;
    var left = xa._offset;
    var right = xa._offset + xa._length;
    var end = { known: state.day, occurred: state.occurred };
    var n = meta.x0.length;
    var candidates = [];
    var marksByRow = {};
    for (var i = 0; i < n; i++) {
      if (!live(meta.from[i], meta.until[i], end.known) || !begun(meta.start[i], end.occurred)) continue;
      var x0 = left + xa.l2p(meta.x0[i] * DAY);
      var x1 = left + xa.l2p(meta.x1[i] * DAY);
      if (x1 - x0 < 6) { x0 -= 5; x1 = x0 + 10; }  // a day: its diamond
      if (x1 < left || x0 > right) continue;
      candidates.push(i);
      (marksByRow[meta.row[i]] = marksByRow[meta.row[i]] || []).push([x0, x1, i]);
      meta._px = meta._px || new Array(n);
      meta._px[i] = [x0, x1];
    }
    candidates.sort(function (a, b) {
      return (meta._px[b][1] - meta._px[b][0]) - (meta._px[a][1] - meta._px[a][0]) || meta.row[a] - meta.row[b];
    });
    var taken = {};
    var placed = [];
    function free(row, a, b, self) {
      var marks = marksByRow[row] || [];
      for (var k = 0; k < marks.length; k++) {
        if (marks[k][2] !== self && marks[k][0] < b && marks[k][1] > a) return false;
      }
      var labels = taken[row] || [];
      for (k = 0; k < labels.length; k++) if (labels[k][0] < b && labels[k][1] > a) return false;
      return true;
    }
    for (var j = 0; j < candidates.length && placed.length < MAX_LABELS; j++) {
      var item = candidates[j];
      var px = meta._px[item];
      var text = meta.text[item];
      var width = text.length * charPx + 6;
      var start = Math.max(px[0], left) + 3;
      var inside = Math.min(px[1], right) - start >= width;
      var a = inside ? start : px[1] + 3;
      var b = a + width;
      if (b > right) continue;
      if (!inside && !free(meta.row[item], a, b, item)) continue;
      if (inside && (taken[meta.row[item]] || []).some(function (s) { return s[0] < b && s[1] > a; })) continue;
      (taken[meta.row[item]] = taken[meta.row[item]] || []).push([a, b]);
      placed.push([item, a, inside]);
    }
    var spans = pool(holder, placed.length, "mark-label");
    holder.style.fontSize = font + "px";
    placed.forEach(function (p, k) {
      var span = spans[k];
      span.textContent = unescaped(meta.text[p[0]]);
      span.className = "mark-label" + (p[2] ? " inside" : "");
      span.style.left = Math.round(p[1]) + "px";
      span.style.top = Math.round(ya._offset + ya.l2p(meta.row[p[0]]) - font * 0.65) + "px";
    });
  }

  function emptyState(c, L) {
    var note = layer(c, "empty");
    if (c.known > 0) { note.hidden = true; return; }
    var text = "Nothing was known yet on " + isoDay(state.day) + ".";
    if (state.occurred !== null) {
      text = "Nothing known on " + isoDay(state.day) + " had happened by " + isoDay(state.occurred) + ".";
    }
    note.textContent = text + " Move the slider later to see what became known.";
    note.hidden = false;
    note.style.left = Math.round(L.xaxis._offset + 8) + "px";
    note.style.width = Math.round(L.xaxis._length - 16) + "px";
    note.style.top = Math.round(L.yaxis._offset + 8) + "px";
  }

  // ---- words that follow the replayed dates ---------------------------------------------
  var countsData = null;  // parsed once, again after a live refresh
  function counted() {
    var table = byId("counts-data");
    if (!countsData && table) countsData = JSON.parse(table.textContent);
    return countsData;
  }

  function countsText(data, end) {
    if (!data) return null;
    var n = { facts: 0, m: 0, p: 0, a: 0, s: 0, C: 0, R: 0, D: 0 };
    var sources = {};
    data.states.forEach(function (s) {
      if (!live(s[0], s[1], end.known) || !begun(s[2], end.occurred)) return;
      n.facts++;
      for (var k = 0; k < s[3].length; k++) n[s[3][k]]++;
      s[4].forEach(function (source) { sources[source] = true; });
    });
    return plural(n.facts, "fact", "facts") + ": " + plural(n.m, "meeting", "meetings") + ", " +
      plural(n.p, "participation", "participations") + ", " + plural(n.a, "absence", "absences") + ", " +
      plural(n.s, "statement", "statements") + ", " + plural(Object.keys(sources).length, "source", "sources") +
      "; " + n.C + " corrected, " + n.R + " retracted, " + n.D + " disputed.";
  }

  function replayWords(known, total) {
    var end = { known: state.day, occurred: state.occurred };
    var atPage = state.day === page.last && state.occurred === page.occurred;
    if (asOfLine) {
      var words = "Showing what was known on " + isoDay(state.day);
      if (state.occurred !== null) words += ", what had happened by " + isoDay(state.occurred);
      if (config.recorded_text) words += ", " + config.recorded_text;
      asOfLine.textContent = atPage ? page.asOf : words + " (replayed)";
    }
    var line = byId("picture-counts");
    var text = countsText(counted(), end);
    if (line && text !== null) line.textContent = "As of " + isoDay(state.day) + (atPage ? " (the page's date)" : "") + ": " + text;
    var sentence = known + " of " + total + " fact(s) known on " + isoDay(state.day);
    if (end.occurred !== null) sentence += ", of those begun by " + isoDay(state.occurred);
    countLine.textContent = sentence;
  }

  function shownElement(el, knownDay, occurredDay) {
    var until = el.getAttribute("data-until");
    if (Number(el.getAttribute("data-from")) > knownDay) return false;
    if (until !== null && Number(until) <= knownDay) return false;
    return occurredDay === null || Number(el.getAttribute("data-start")) <= occurredDay;
  }

  // Cheap: the date, the counts and the picture follow the slider as it moves.
  function replayText() {
    textPending = false;
    var end = { known: state.day, occurred: state.occurred };
    var shown = shownIn(latest ? latest.timeline.data : [], end);  // drawn or not
    var known = shown.known;
    var anything = false;
    document.querySelectorAll("#picture [data-from]").forEach(function (el) {
      el.hidden = !shownElement(el, end.known, end.occurred);
      anything = anything || !el.hidden;
    });
    // The fact cards: known by then and begun by then (a retracted one stays, marked).
    document.querySelectorAll("#facts [data-from]").forEach(function (el) {
      el.hidden = Number(el.getAttribute("data-from")) > end.known ||
        (end.occurred !== null && Number(el.getAttribute("data-start")) > end.occurred);
    });
    document.querySelectorAll("#picture .replay-group").forEach(function (group) {
      if (group.querySelector("[data-from]")) group.hidden = !group.querySelector("[data-from]:not([hidden])");
    });
    var empty = byId("picture-empty");
    if (empty) empty.hidden = anything;
    dateLabel.textContent = isoDay(state.day);
    replayWords(known, shown.total);
    return known;
  }

  function replay() {
    var known = replayText();
    return replayCharts().then(function () {
      document.body.setAttribute("data-known", String(known));
    });
  }

  function schedule() {
    if (!textPending) {
      textPending = true;
      window.requestAnimationFrame(replayText);
    }
    window.clearTimeout(chartTimer);
    chartTimer = window.setTimeout(replay, 150);
  }

  slider.addEventListener("input", function () {
    state.day = Number(slider.value);
    knownPicker.value = isoDay(state.day);
    schedule();
  });
  knownPicker.addEventListener("change", function () {
    var day = dayOf(knownPicker.value);
    if (day === null) return;
    day = Math.min(Math.max(day, Number(slider.min)), Number(slider.max));
    slider.value = String(day);
    state.day = day;
    knownPicker.value = isoDay(day);
    schedule();
  });
  occurredPicker.addEventListener("change", function () {
    state.occurred = occurredPicker.value ? dayOf(occurredPicker.value) : null;
    schedule();
  });

  // The "ask the server" form: leave empty fields out of the query rather than send "".
  var ask = document.querySelector("form.ask");
  if (ask) {
    ask.addEventListener("submit", function () {
      Array.prototype.forEach.call(ask.elements, function (el) {
        if (el.name && !el.value) el.disabled = true;
      });
    });
  }

  // ---- the window's size ---------------------------------------------------------------
  // Each chart is drawn at its box's width (never plotly's 700-px default or a stale
  // size): when the box changes, the chart is laid out again for the new width.
  var resizeTimer = null;
  function refit() {
    return Promise.all(CHARTS.map(function (name) {
      var c = charts[name];
      if (!c) return Promise.resolve();
      var width = widthOf(name);
      if (width === c.width) return Promise.resolve();
      c.width = width;
      var layout = fitted(name, c.figure, width);
      var update = {
        width: layout.width, height: layout.height, margin: layout.margin, showlegend: layout.showlegend,
        "xaxis.nticks": layout.xaxis.nticks, "xaxis.title": layout.xaxis.title, title: layout.title
      };
      return Plotly.relayout(c.gd, update).then(function () { phoneLegend(c); overlay(c); });
    })).then(function () { document.body.setAttribute("data-width", String(window.innerWidth)); });
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(refit, 120);
    }).observe(document.body);
  } else {
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(refit, 120);
    });
  }

  // ---- live updates ---------------------------------------------------------------------
  function extendSlider(figures) {
    var days = figures.timeline.layout.meta.replay.days;
    if (!days.length) return;
    var last = days[days.length - 1];
    var atEnd = Number(slider.value) === Number(slider.max);
    if (last > Number(slider.max)) {
      slider.max = String(last);
      knownPicker.max = isoDay(last);
      page.last = last;
      if (atEnd) {
        slider.value = String(last);
        state.day = last;
        knownPicker.value = isoDay(last);
      }
    }
  }

  function refresh() {
    liveStatus.textContent = "· updating…";
    var figures = fetch(config.json_url, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("timeline.json answered " + response.status);
      return response.json();
    });
    var picture = fetch(window.location.href, { cache: "no-store" }).then(function (response) {
      return response.ok ? response.text() : null;
    });
    Promise.all([figures, picture]).then(function (results) {
      if (results[1]) {
        var doc = new DOMParser().parseFromString(results[1], "text/html");
        // What the server renders beside the charts: the picture, the fact cards, the
        // names the fact form offers (a new meeting, a new actor) and what is counted.
        ["picture", "facts", "desk-lists", "counts-data"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var here = byId(id);
          if (fresh && here) here.replaceChildren.apply(here, Array.from(fresh.childNodes));
        });
        countsData = null;
        var freshAsOf = doc.getElementById("as-of-text");
        if (freshAsOf) page.asOf = freshAsOf.textContent;
      }
      extendSlider(results[0]);
      return draw(results[0]);
    }).then(function () {
      return replay();
    }).then(function () {
      liveStatus.textContent = "· live, updated " + new Date().toLocaleTimeString();
    }).catch(function (error) {
      liveStatus.textContent = "· update failed (" + error.message + "); will retry on the next event";
    });
  }

  function listen() {
    if (!config.stream_url || !window.EventSource) return;
    var stream = new EventSource(config.stream_url);
    var timer = null;
    var later = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    };
    stream.onopen = function () { liveStatus.textContent = "· live"; };
    stream.onmessage = later;  // one message per event appended to the story
    // A write from this page's own forms shows at once, without waiting for the stream.
    document.addEventListener("desk:written", later);
    stream.onerror = function () { liveStatus.textContent = "· reconnecting…"; };
  }

  draw(JSON.parse(byId("figures").textContent)).then(function () {
    return replay();
  }).then(function () {
    document.body.setAttribute("data-ready", "1");
    watchUndrawn();
    listen();
  });
})();
