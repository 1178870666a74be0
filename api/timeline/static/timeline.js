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
  var baseY = {};
  var pending = false;

  function remember(name) {
    var gd = byId("chart-" + name);
    baseY[name] = gd.data.map(function (trace) { return trace.y ? Array.prototype.slice.call(trace.y) : null; });
  }

  function shown(replay, i, knownEnd, occurredEnd) {
    if (replay.from[i] > knownEnd) return false;
    if (replay.until[i] !== null && replay.until[i] <= knownEnd) return false;
    return occurredEnd === null || replay.start[i] <= occurredEnd;
  }

  function shownElement(el, knownEnd, occurredEnd) {
    var until = el.getAttribute("data-until");
    if (Number(el.getAttribute("data-from")) > knownEnd) return false;
    if (until !== null && Number(until) <= knownEnd) return false;
    return occurredEnd === null || Number(el.getAttribute("data-start")) <= occurredEnd;
  }

  function replay() {
    pending = false;
    var knownEnd = (state.day + 1) * DAY - 1;
    var occurredEnd = state.occurred === null ? null : (state.occurred + 1) * DAY - 1;
    var known = 0;
    var total = 0;
    ITEM_CHARTS.forEach(function (name) {
      var gd = byId("chart-" + name);
      var ys = [];
      var traces = [];
      gd.data.forEach(function (trace, t) {
        var r = trace.meta && trace.meta.replay;
        if (!r) return;
        var y = baseY[name][t].slice();
        for (var i = 0; i < r.from.length; i++) {
          var counted = name === "timeline" && r.counted;
          if (counted && r.until[i] === null) total++;
          if (shown(r, i, knownEnd, occurredEnd)) {
            if (counted) known++;
            continue;
          }
          for (var k = 0; k < r.stride; k++) y[i * r.stride + k] = null;
        }
        ys.push(y);
        traces.push(t);
      });
      if (traces.length) Plotly.restyle(gd, { y: ys }, traces);
    });
    var knowledge = byId("chart-knowledge");
    if (knowledge.layout && knowledge.layout.shapes && knowledge.layout.shapes.length) {
      Plotly.relayout(knowledge, { "shapes[0].x0": isoDay(state.day), "shapes[0].x1": isoDay(state.day) });
    }
    document.querySelectorAll("#picture [data-from]").forEach(function (el) {
      el.hidden = !shownElement(el, knownEnd, occurredEnd);
    });
    dateLabel.textContent = isoDay(state.day);
    var text = known + " of " + total + " fact(s) known on " + isoDay(state.day);
    if (occurredEnd !== null) text += ", of those begun by " + isoDay(state.occurred);
    countLine.textContent = text;
    document.body.setAttribute("data-known", String(known));
  }

  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(replay);
    }
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
    var dates = figures.timeline.layout.meta.replay.dates;
    if (!dates.length) return;
    var last = Math.floor(dates[dates.length - 1] / DAY);
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
        var fresh = doc.getElementById("picture");
        if (fresh) byId("picture").replaceChildren.apply(byId("picture"), Array.from(fresh.childNodes));
      }
      extendSlider(results[0]);
      return draw(results[0]);
    }).then(function () {
      replay();
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
    stream.onmessage = later;
    ["fact", "reported", "corroborated", "disputed", "corrected", "retracted"].forEach(function (name) {
      stream.addEventListener(name, later);
    });
    stream.onerror = function () { liveStatus.textContent = "· reconnecting…"; };
  }

  draw(JSON.parse(byId("figures").textContent)).then(function () {
    replay();
    document.body.setAttribute("data-ready", "1");
    listen();
  });
})();
