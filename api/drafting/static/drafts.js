// The drafts page: the "draft" form posts an article to POST /stories/{story}/drafts; each
// draft is shown with its sentence (the words that made it marked) to accept, edit or drop;
// the accepted ones go together, one NDJSON line each, to POST /stories/{story}/import,
// which appends all of them or none, with the signed-in browser's cookie (same origin).
// Unknown names can be registered as actors (POST /actors). No framework, no build step.
(function () {
  "use strict";

  var draftForm = document.querySelector('form[data-form="draft"]');
  var section = document.getElementById("drafts");
  var list = document.getElementById("draft-list");
  var unknownSection = document.getElementById("unknown");
  var unknownList = document.getElementById("unknown-list");
  var appendButton = document.getElementById("append-accepted");
  var appendStatus = document.getElementById("append-status");
  var choices = JSON.parse(document.getElementById("drafts-choices").textContent);
  var drafts = [];  // {fact, evidence, confidence, card, accepted, dropped, appended}

  var KIND_WORDS = {
    meeting_held: "Meeting held", participant_joined: "Took part", participant_absent: "Absent",
    actor_briefed: "Briefed", topic_discussed: "Topic discussed", statement_made: "Statement",
    disclosure_published: "Disclosure", policy_announced: "Policy announced", claim: "Claim"
  };
  var LONG = { quote: 1, text: 1, object: 1, note: 1, headline: 1, title: 1 };
  var FIXED = { kind: 1, sources: 1 };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  // ---- a form as a JSON body (inputs named by the JSON field: source.name) ---------------
  function put(body, path, value) {
    var parts = path.split("."), node = body;
    for (var i = 0; i < parts.length - 1; i++) {
      if (node[parts[i]] === undefined) node[parts[i]] = {};
      node = node[parts[i]];
    }
    node[parts[parts.length - 1]] = value;
  }
  function bodyOf(form) {
    var body = {};
    all(form, "input, select, textarea").forEach(function (input) {
      if (!input.name || input.disabled) return;
      var value = input.name === "text" ? input.value : input.value.trim();
      if (value.trim() === "" && input.name !== "text") return;
      put(body, input.name, value);
    });
    return body;
  }

  // ---- problems beside their fields ------------------------------------------------------
  function clear(root, status) {
    all(root, ".problem").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    all(root, "[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    if (status) { status.textContent = ""; status.className = "form-status"; }
  }
  function say(status, kind, text) {
    status.className = "form-status " + kind;
    var line = el("p", {}, text);
    status.appendChild(line);
    return line;
  }
  function showProblems(root, status, answer, code) {
    var problems = (answer && answer.problems) || [];
    var loose = [];
    problems.forEach(function (problem) {
      var field = (problem.field || "").replace(/^body\./, "");
      var input = field ? root.querySelector('[name="' + field + '"]') : null;
      var slot = input ? input.closest(".field").querySelector(".problem") : null;
      if (!slot) { loose.push(problem); return; }
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + problem.message;
      slot.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", slot.id);
    });
    say(status, "refused", "Not done" + (code ? " (" + code + ")" : "") + ": " +
        ((answer && answer.message) || "the server refused it."));
    if (loose.length) {
      var ul = el("ul");
      loose.forEach(function (p) { ul.appendChild(el("li", {}, (p.field ? p.field + ": " : "") + p.message)); });
      status.appendChild(ul);
    }
    if (code === 401 || code === 403) {
      status.appendChild(el("a", { href: "/signin?next=" + encodeURIComponent(location.pathname) },
                            "Sign in with a write token"));
    }
  }
  function send(url, body, type) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": type || "application/json", "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        return { ok: response.ok, status: response.status, answer: answer };
      });
    }, function (error) {
      return { ok: false, status: 0, answer: { message: "the server could not be reached (" + error.message + ")" } };
    });
  }

  // ---- drafting ---------------------------------------------------------------------------
  function draft(event) {
    if (event) event.preventDefault();
    var status = draftForm.querySelector("[data-status]");
    clear(draftForm, status);
    var button = draftForm.querySelector("button[type=submit]");
    button.disabled = true;
    draftForm.setAttribute("aria-busy", "true");
    say(status, "", "Reading the article…");
    return send(draftForm.action, JSON.stringify(bodyOf(draftForm))).then(function (result) {
      clear(draftForm, status);
      if (result.ok) {
        show(result.answer);
        say(status, "accepted", result.answer.drafts.length + " draft(s) and " +
            result.answer.unknown_actors.length + " unregistered name(s), read as " +
            (result.answer.language === "fr" ? "French" : "English") + ". Nothing is saved yet.");
      } else {
        showProblems(draftForm, status, result.answer, result.status);
      }
    }).then(function () {
      button.disabled = false;
      draftForm.removeAttribute("aria-busy");
    });
  }

  function marked(evidence) {
    var quote = el("blockquote", { className: "draft-evidence" });
    var sentence = evidence.sentence, at = 0;
    (evidence.marks || []).slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (m) {
      var start = m.start - evidence.start, end = m.end - evidence.start;
      if (start < at || end > sentence.length) return;  // overlapping or outside: unmarked
      quote.appendChild(document.createTextNode(sentence.slice(at, start)));
      quote.appendChild(el("mark", {}, sentence.slice(start, end)));
      at = end;
    });
    quote.appendChild(document.createTextNode(sentence.slice(at)));
    return quote;
  }

  function actorName(id) {  // the registered actors, from the page's datalist
    var option = document.querySelector('#actor-ids option[value="' + (window.CSS ? CSS.escape(id) : id) + '"]');
    return option && option.textContent ? option.textContent : id;
  }

  function describe(fact) {
    var about = fact.meeting ? " — meeting " + fact.meeting : fact.series ? " — series " + fact.series : "";
    switch (fact.kind) {
      case "meeting_held": return fact.title + (fact.place ? ", " + fact.place : "");
      case "participant_joined":
        return actorName(fact.actor) + " (" + (fact.role || "participant") +
          (fact.side ? ", " + fact.side + " side" : "") + ")" + about;
      case "participant_absent":
      case "actor_briefed":
      case "disclosure_published": return actorName(fact.actor) + about;
      case "topic_discussed": return fact.topic + about;
      case "statement_made":
        return (fact.actor ? actorName(fact.actor) : fact.speaker) + ": “" + fact.text + "”" + about;
      case "claim": return fact.subject + " · " + fact.predicate + " · " + fact.object;
      default: return fact.id;
    }
  }

  function editor(item, index) {
    var box = el("div", { className: "draft-edit", id: "draft-" + index + "-edit", hidden: "" });
    var grid = el("div", { className: "grid" });
    Object.keys(item.fact).forEach(function (name) {
      if (FIXED[name]) return;
      grid.appendChild(field(index, name, item.fact[name]));
    });
    ["meeting", "series", "quote", "note"].forEach(function (name) {  // optional, may be added
      if (item.fact[name] === undefined && (name === "quote" || name === "note" ||
          /^(participant|actor|topic|statement|disclosure)/.test(item.fact.kind))) {
        grid.appendChild(field(index, name, ""));
      }
    });
    box.appendChild(grid);
    return box;
  }

  function field(index, name, value) {
    var id = "draft-" + index + "-" + name.replace(/\W/g, "-");
    var wrap = el("div", { className: "field" + (LONG[name] ? " wide" : "") });
    wrap.appendChild(el("label", { "for": id }, name.replace(/_/g, " ")));
    var input;
    var options = name === "certainty" ? choices.certainties : name === "role" ? choices.roles : null;
    if (options) {
      input = el("select", { id: id, name: name });
      options.forEach(function (o) {
        var option = el("option", { value: o }, o);
        if (o === value) option.selected = true;
        input.appendChild(option);
      });
    } else if (LONG[name]) {
      input = el("textarea", { id: id, name: name, rows: "2" });
      input.value = value;
    } else {
      input = el("input", { id: id, name: name, autocomplete: "off", list: name === "actor" ? "actor-ids" : null });
      input.value = value;
    }
    wrap.appendChild(input);
    wrap.appendChild(el("p", { className: "problem", id: id + "-problem", hidden: "" }));
    return wrap;
  }

  function card(item, index) {
    var li = el("li", { className: "draft", id: "draft-" + index });
    var head = el("div", { className: "draft-head" });
    head.appendChild(el("span", { className: "tag" }, KIND_WORDS[item.fact.kind] || item.fact.kind));
    var what = el("span", { className: "draft-what" }, describe(item.fact));
    head.appendChild(what);
    head.appendChild(el("span", { className: "tag" + (item.fact.certainty === "alleged" ? " warn" : "") },
                        item.fact.certainty));
    head.appendChild(el("span", { className: "small muted" }, item.fact.occurred));
    head.appendChild(el("span", { className: "small muted confidence" },
                        "confidence " + Math.round(item.confidence * 100) + "%"));
    li.appendChild(head);
    li.appendChild(marked(item.evidence));
    var actions = el("div", { className: "draft-actions" });
    var accept = el("input", { type: "checkbox", id: "draft-" + index + "-accept" });
    var acceptLabel = el("label", { "for": accept.id });
    acceptLabel.appendChild(accept);
    acceptLabel.appendChild(document.createTextNode("Accept"));
    actions.appendChild(acceptLabel);
    var edit = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "draft-" + index + "-edit" }, "Edit");
    var drop = el("button", { type: "button" }, "Drop");
    actions.appendChild(edit);
    actions.appendChild(drop);
    actions.appendChild(el("span", { className: "small muted" }, "id " + item.fact.id));
    li.appendChild(actions);
    var box = editor(item, index);
    li.appendChild(box);
    li.appendChild(el("div", { className: "form-status", role: "status", "aria-live": "polite" }));
    accept.addEventListener("change", function () { item.accepted = accept.checked; refresh(); });
    edit.addEventListener("click", function () {
      box.hidden = !box.hidden;
      edit.setAttribute("aria-expanded", String(!box.hidden));
      if (!box.hidden) { item.accepted = accept.checked = true; refresh(); }
    });
    drop.addEventListener("click", function () {
      item.dropped = !item.dropped;
      drop.textContent = item.dropped ? "Restore" : "Drop";
      accept.disabled = item.dropped;
      edit.disabled = item.dropped;
      refresh();
    });
    box.addEventListener("input", function () { what.textContent = describe(factOf(item)); });
    item.card = li;
    item.accept = accept;
    return li;
  }

  function factOf(item) {
    var fact = JSON.parse(JSON.stringify(item.fact));
    all(item.card, ".draft-edit [name]").forEach(function (input) {
      var value = input.value.trim();
      if (value === "") delete fact[input.name];
      else fact[input.name] = value;
    });
    return fact;
  }

  function refresh() {
    drafts.forEach(function (item) {
      item.card.classList.toggle("accepted", !!item.accepted && !item.dropped);
      item.card.classList.toggle("dropped", !!item.dropped);
    });
    var n = chosen().length;
    document.getElementById("accepted-count").textContent = n + " accepted";
    appendButton.disabled = n === 0;
  }
  function chosen() {
    return drafts.filter(function (item) { return item.accepted && !item.dropped && !item.appended; });
  }

  function show(answer) {
    list.textContent = "";
    appendStatus.textContent = "";
    appendStatus.className = "form-status";
    drafts = answer.drafts.map(function (d) { return { fact: d.fact, evidence: d.evidence, confidence: d.confidence }; });
    drafts.forEach(function (item, i) { list.appendChild(card(item, i)); });
    document.getElementById("drafts-count").textContent = "(" + drafts.length + ")";
    section.hidden = false;
    showUnknown(answer.unknown_actors);
    refresh();
  }

  function setAll(value) {
    drafts.forEach(function (item) {
      if (item.dropped || item.appended) return;
      item.accepted = item.accept.checked = value;
    });
    refresh();
  }

  // ---- appending the accepted drafts as one batch -------------------------------------------
  function append() {
    var batch = chosen();
    clear(list, null);
    all(list, ".draft > .form-status").forEach(function (s) { s.textContent = ""; s.className = "form-status"; });
    appendStatus.textContent = "";
    if (!batch.length) return;
    var lines = batch.map(function (item) { return JSON.stringify(factOf(item)); }).join("\n") + "\n";
    appendButton.disabled = true;
    send(section.getAttribute("data-import-url"), lines, "application/x-ndjson").then(function (result) {
      if (result.ok) {
        batch.forEach(function (item) {
          item.appended = true;
          item.card.querySelector(".draft-actions").textContent = "Appended.";
          all(item.card, ".draft-edit [name]").forEach(function (input) { input.disabled = true; });
        });
        var line = say(appendStatus, "accepted", result.answer.appended + " fact(s) appended" +
                       (result.answer.unchanged ? ", " + result.answer.unchanged + " already stored" : "") + ". ");
        line.appendChild(el("a", { href: section.getAttribute("data-timeline-url") }, "See the story"));
      } else {
        placeLineProblems(batch, result);
      }
      refresh();
    });
  }

  function placeLineProblems(batch, result) {
    var answer = result.answer || {};
    var loose = [];
    (answer.problems || []).forEach(function (problem) {
      var item = problem.line ? batch[problem.line - 1] : null;
      if (!item) { loose.push(problem); return; }
      var box = item.card.querySelector(".draft-edit");
      var input = problem.field ? box.querySelector('[name="' + problem.field.split(".")[0] + '"]') : null;
      var status = item.card.querySelector(".draft > .form-status");
      if (input) {
        box.hidden = false;
        var slot = input.closest(".field").querySelector(".problem");
        slot.textContent = problem.message;
        slot.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.id);
      } else {
        say(status, "refused", (problem.field ? problem.field + ": " : "") + problem.message);
      }
    });
    showProblems(document.createElement("div"), appendStatus,
                 { message: (answer.message || "refused") + " — nothing was appended; fix the marked drafts or drop them.",
                   problems: loose }, result.status);
  }

  // ---- unknown names: register them as actors ---------------------------------------------
  function showUnknown(unknown) {
    unknownList.textContent = "";
    unknownSection.hidden = !unknown.length;
    unknown.forEach(function (u, i) {
      var li = el("li", { className: "card" });
      li.appendChild(el("h3", {}, u.name));
      li.appendChild(marked(u.evidence));
      var form = el("form", { className: "desk", "data-form": "actor", action: unknownSection.getAttribute("data-actors-url"), novalidate: "" });
      var grid = el("div", { className: "grid" });
      [["id", u.id], ["name", u.name], ["kind", u.kind], ["country", ""]].forEach(function (pair) {
        var id = "unknown-" + i + "-" + pair[0];
        var wrap = el("div", { className: "field" });
        wrap.appendChild(el("label", { "for": id }, pair[0] === "country" ? "country (e.g. US)" : pair[0]));
        var input;
        if (pair[0] === "kind") {
          input = el("select", { id: id, name: "kind" });
          choices.actor_kinds.forEach(function (k) {
            var option = el("option", { value: k }, k);
            if (k === pair[1]) option.selected = true;
            input.appendChild(option);
          });
        } else {
          input = el("input", { id: id, name: pair[0], autocomplete: "off" });
          input.value = pair[1];
        }
        wrap.appendChild(input);
        wrap.appendChild(el("p", { className: "problem", id: id + "-problem", hidden: "" }));
        grid.appendChild(wrap);
      });
      form.appendChild(grid);
      form.appendChild(el("button", { type: "submit" }, "Register this actor"));
      var status = el("div", { className: "form-status", role: "status", "aria-live": "polite" });
      form.appendChild(status);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        clear(form, status);
        send(form.action, JSON.stringify(bodyOf(form))).then(function (result) {
          if (!result.ok) { showProblems(form, status, result.answer, result.status); return; }
          say(status, "accepted", "Registered. ");
          var again = el("button", { type: "button", className: "link" }, "Draft again to find it");
          again.addEventListener("click", function () { draft(null); });
          status.firstChild.appendChild(again);
          var option = el("option", { value: result.answer.id }, u.name);
          document.getElementById("actor-ids").appendChild(option);
        });
      });
      li.appendChild(form);
      unknownList.appendChild(li);
    });
  }

  draftForm.addEventListener("submit", draft);
  appendButton.addEventListener("click", append);
  document.getElementById("accept-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("accept-none").addEventListener("click", function () { setAll(false); });
})();
