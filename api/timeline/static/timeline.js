// Glue for the timeline page: draw the figures the server built, replay what was known
// on the slider's date (offline: every item carries its dates in trace.meta.replay),
// and refresh when the story's event stream says something new was recorded.
(function () {
  "use strict";
  var DAY = 86400000;
  var ITEM_CHARTS = ["timeline", "lag"];
  var CHARTS = ["timeline", "lag", "knowledge"];
  var PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function byId(id) { return document.getElementById(id); }
  function isoDay(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function dayOf(iso) {
    var t = Date.parse(iso + "T00:00:00Z");
    return isNaN(t) ? null : Math.floor(t / DAY);
  }

  var config = JSON.parse(byId("page-config").textContent);
  var slider = byId("known-slider");
  var knownPicker = byId("known-at");
  var occurredPicker = byId("occurred-until");
  var countLine = byId("replay-count");
  var dateLabel = byId("replay-date");
  var liveStatus = byId("live-status");
  var state = { day: Number(slider.value), occurred: config.occurred_until };
  var drawnMasks = {};  // per chart, per trace: which items its y currently draws
  var textPending = false;
  var chartTimer = null;

  function replayOf(trace) { return trace.meta && trace.meta.replay; }

  var laneTicks = {};  // per chart: every lane's rows, tick value and label, as drawn

  function remember(name) {
    var layout = byId("chart-" + name).layout;
    var lanes = layout.meta && layout.meta.lanes;
    laneTicks[name] = lanes ? {
      rows: lanes, vals: (layout.yaxis.tickvals || []).slice(), text: (layout.yaxis.ticktext || []).slice()
    } : null;
    drawnMasks[name] = byId("chart-" + name).data.map(function (trace) {
      var r = replayOf(trace);
      if (!r) return null;
      return r.from.map(function (_, i) { return trace.y[i * r.stride] !== null; });
    });
  }

  // Dates are day numbers (days since 1970-01-01, UTC): "known on D" means by the end of
  // day D, so an item is shown when it became known on D or before, was not replaced by
  // a later state on D or before, and (with a "happened by" date) had started by then.
  function shown(replay, i, knownDay, occurredDay) {
    if (replay.from[i] > knownDay) return false;
    var until = replay.until ? replay.until[i] : null;
    if (until !== null && until <= knownDay) return false;
    return occurredDay === null || replay.start[i] <= occurredDay;
  }

  function shownElement(el, knownDay, occurredDay) {
    var until = el.getAttribute("data-until");
    if (Number(el.getAttribute("data-from")) > knownDay) return false;
    if (until !== null && Number(until) <= knownDay) return false;
    return occurredDay === null || Number(el.getAttribute("data-start")) <= occurredDay;
  }

  function ends() {
    return { known: state.day, occurred: state.occurred };
  }

  // Cheap: the date, the count and the picture follow the slider as it moves.
  function replayText() {
    textPending = false;
    var end = ends();
    var known = 0;
    var total = 0;
    byId("chart-timeline").data.forEach(function (trace) {
      var r = replayOf(trace);
      if (!r || !r.counted) return;
      for (var i = 0; i < r.from.length; i++) {
        if (!r.until || r.until[i] === null) total++;
        if (shown(r, i, end.known, end.occurred)) known++;
      }
    });
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
    var text = known + " of " + total + " fact(s) known on " + isoDay(state.day);
    if (end.occurred !== null) text += ", of those begun by " + isoDay(state.occurred);
    countLine.textContent = text;
    return known;
  }

  // Costly with many facts (WebGL redraws): only traces whose items change, once the
  // slider rests.
  function replayCharts() {
    var end = ends();
    var redraws = ITEM_CHARTS.map(function (name) {
      var gd = byId("chart-" + name);
      var ys = [];
      var traces = [];
      gd.data.forEach(function (trace, t) {
        var r = replayOf(trace);
        if (!r) return;
        var mask = r.from.map(function (_, i) { return shown(r, i, end.known, end.occurred); });
        var before = drawnMasks[name][t];
        if (mask.every(function (v, i) { return v === before[i]; })) return;
        var y = new Array(r.from.length * r.stride);
        for (var i = 0; i < r.from.length; i++) {
          for (var k = 0; k < r.stride; k++) {
            y[i * r.stride + k] = mask[i] && (r.stride === 1 || k < 2) ? r.row[i] : null;
          }
        }
        drawnMasks[name][t] = mask;
        ys.push(y);
        traces.push(t);
      });
      var restyled = traces.length ? Plotly.restyle(gd, { y: ys }, traces) : Promise.resolve();
      return restyled.then(function () { return relabelLanes(name, end); });
    });
    var knowledge = byId("chart-knowledge");
    if (knowledge.layout && knowledge.layout.shapes && knowledge.layout.shapes.length) {
      redraws.push(Plotly.relayout(knowledge, { "shapes[0].x0": isoDay(state.day), "shapes[0].x1": isoDay(state.day) }));
    }
    return Promise.all(redraws);
  }

  // A lane's label (a meeting's title, an actor's name) is itself something learnt:
  // show it only once one of its items is known on the replayed date.
  function relabelLanes(name, end) {
    var ticks = laneTicks[name];
    if (!ticks) return Promise.resolve();
    var rows = {};
    byId("chart-" + name).data.forEach(function (trace) {
      var r = replayOf(trace);
      if (!r) return;
      for (var i = 0; i < r.from.length; i++) {
        if (shown(r, i, end.known, end.occurred)) rows[r.row[i]] = true;
      }
    });
    var vals = [];
    var text = [];
    ticks.rows.forEach(function (span, lane) {
      for (var row = span[0]; row <= span[1]; row++) {
        if (rows[row]) { vals.push(ticks.vals[lane]); text.push(ticks.text[lane]); return; }
      }
    });
    return Plotly.relayout(byId("chart-" + name), { "yaxis.tickvals": vals, "yaxis.ticktext": text });
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

  function draw(figures) {
    return Promise.all(CHARTS.map(function (name) {
      var fig = figures[name];
      return Plotly.react(byId("chart-" + name), fig.data, fig.layout, PLOT_CONFIG).then(function () {
        remember(name);
      });
    }));
  }

  function extendSlider(figures) {
    var days = figures.timeline.layout.meta.replay.days;
    if (!days.length) return;
    var last = days[days.length - 1];
    var atEnd = Number(slider.value) === Number(slider.max);
    if (last > Number(slider.max)) {
      slider.max = String(last);
      knownPicker.max = isoDay(last);
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
        // What the server renders beside the charts: the picture, the fact cards and
        // the names the fact form offers (a new meeting, a new actor).
        ["picture", "facts", "desk-lists"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var here = byId(id);
          if (fresh && here) here.replaceChildren.apply(here, Array.from(fresh.childNodes));
        });
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
    listen();
  });
})();
