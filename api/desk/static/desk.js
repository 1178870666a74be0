// The desk's forms: each <form data-form> becomes the JSON body of the API route in its
// action (inputs are named by the JSON field they fill: "sources.0.name" is
// body.sources[0].name), posted with the browser's sign-in cookie. A refused write shows
// each of the API's problems beside the field it names and keeps what was typed; an
// accepted one shows on the page at once. No framework, no build step.
(function () {
  "use strict";

  var SENT = "input, select, textarea";
  var DONE = {
    story: "Story created.",
    actor: "Actor registered.",
    fact: "Fact added.",
    corroboration: "Source added.",
    dispute: "Dispute recorded.",
    correction: "Correction recorded: a new version.",
    retraction: "Fact retracted."
  };
  var LIFECYCLE = { corroboration: 1, dispute: 1, correction: 1, retraction: 1 };

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function words(value) { return (value || "").split(/\s+/).filter(Boolean); }

  // ---- a form as the API's JSON body ---------------------------------------------------

  function put(body, path, value) {
    var parts = path.split(".");
    var node = body;
    for (var i = 0; i < parts.length - 1; i++) {
      var key = parts[i];
      if (node[key] === undefined) node[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node = node[key];
    }
    node[parts[parts.length - 1]] = value;
  }

  function compact(value) {  // drop the holes a removed source leaves, and empty objects
    if (Array.isArray(value)) return value.filter(function (v) { return v !== undefined; }).map(compact);
    if (value && typeof value === "object") {
      Object.keys(value).forEach(function (k) { value[k] = compact(value[k]); });
    }
    return value;
  }

  function bodyOf(form) {
    var body = {};
    var lists = words(form.getAttribute("data-lists"));
    var changesOnly = form.hasAttribute("data-changes-only");
    all(form, SENT).forEach(function (el) {
      if (!el.name || el.disabled) return;
      var value = el.value.trim();
      if (changesOnly && el.name.indexOf("changes.") === 0) {
        if (value === (el.getAttribute("data-original") || "").trim()) return;
        if (value === "") { put(body, el.name, null); return; }  // a field taken out
      }
      if (value === "") return;
      if (lists.indexOf(el.name) >= 0) {
        value = value.split(",").map(function (v) { return v.trim(); }).filter(Boolean);
      }
      put(body, el.name, value);
    });
    if (changesOnly && body.changes === undefined) body.changes = {};
    return compact(body);
  }

  // ---- problems beside their fields ----------------------------------------------------

  function statusOf(form) { return form.querySelector("[data-status]"); }

  function clear(form) {
    all(form, ".problem").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    all(form, "[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = words(el.getAttribute("aria-describedby")).filter(function (id) { return !/-problem$/.test(id); });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
      else el.removeAttribute("aria-describedby");
    });
    var status = statusOf(form);
    status.textContent = "";
    status.className = "form-status";
  }

  function slotFor(form, field) {
    if (!field) return null;
    var input = null;
    all(form, SENT).forEach(function (el) { if (!input && el.name === field && !el.disabled) input = el; });
    if (input) return { input: input, problem: input.closest(".field").querySelector(".problem") };
    // A field with no input of its own (sources, changes) or inside one (sources.1):
    // the nearest container that says it holds it.
    var parts = field.split(".");
    for (var n = parts.length; n > 0; n--) {
      var name = parts.slice(0, n).join(".");
      var holder = form.querySelector('[data-problem-for="' + name + '"]');
      if (holder) return { input: null, problem: holder };
    }
    return null;
  }

  function show(form, answer, status) {
    var problems = (answer && answer.problems) || [];
    var loose = [];
    var first = null;
    var seen = {};
    problems.forEach(function (problem) {
      var slot = slotFor(form, problem.field);
      if (!slot || !slot.problem) { loose.push(problem); return; }
      var text = (problem.field && !slot.input ? problem.field + ": " : "") + problem.message;
      slot.problem.textContent = seen[slot.problem.id] ? slot.problem.textContent + " " + text : text;
      seen[slot.problem.id] = true;
      slot.problem.hidden = false;
      if (slot.input) {
        slot.input.setAttribute("aria-invalid", "true");
        var ids = words(slot.input.getAttribute("aria-describedby"));
        if (ids.indexOf(slot.problem.id) < 0) ids.push(slot.problem.id);
        slot.input.setAttribute("aria-describedby", ids.join(" "));
        first = first || slot.input;
      }
    });
    var box = statusOf(form);
    box.className = "form-status refused";
    var head = document.createElement("p");
    head.textContent = "Not saved" + (status ? " (" + status + ")" : "") + ": " +
      (problems.length > loose.length ? "see the fields marked below. " : "") +
      (loose.length || !problems.length ? (answer && answer.message) || "the server refused it." : "");
    box.appendChild(head);
    if (loose.length && problems.length > 1) {
      var list = document.createElement("ul");
      loose.forEach(function (p) {
        var item = document.createElement("li");
        item.textContent = (p.field ? p.field + ": " : "") + p.message;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    if (status === 401) {
      var link = document.createElement("a");
      link.href = "/signin?next=" + encodeURIComponent(location.pathname + location.search);
      link.textContent = "Sign in again";
      box.appendChild(link);
    }
    if (first) first.focus();
    else { box.tabIndex = -1; box.focus(); }
  }

  // ---- posting ---------------------------------------------------------------------------

  function post(form) {
    clear(form);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var body = bodyOf(form);
    form.setAttribute("aria-busy", "true");
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (response.ok) return accepted(form, body, answer || {});
        show(form, answer, response.status);
      });
    }).catch(function (error) {
      show(form, { message: "the server could not be reached (" + error.message + "); try again" }, 0);
    }).then(function () {
      if (button) button.disabled = false;
      form.removeAttribute("aria-busy");
    });
  }

  function say(form, text, href, label) {
    var box = statusOf(form);
    box.className = "form-status accepted";
    var line = document.createElement("p");
    line.textContent = text + " ";
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      line.appendChild(link);
    }
    box.appendChild(line);
  }

  function accepted(form, body, answer) {
    var kind = form.getAttribute("data-form");
    var text = DONE[kind] || "Saved.";
    document.dispatchEvent(new CustomEvent("desk:written", { detail: { form: kind, answer: answer } }));
    if (kind === "fact") {
      all(form, SENT).forEach(function (el) {  // the same article often says more: keep its sources
        if (el.name && el.name.indexOf("sources.") !== 0 && el.name !== "kind" && el.name !== "certainty") el.value = "";
      });
      say(form, text + (answer.id ? " (" + answer.id + ")" : ""),
          form.action.replace(/\/facts$/, "/facts/") + encodeURIComponent(answer.id || "") + "/page", "Open it");
      return;
    }
    if (kind === "story" || kind === "actor") {
      form.reset();
      all(form, "[data-touched]").forEach(function (el) { el.removeAttribute("data-touched"); });
      if (kind === "story") {
        say(form, text, "/stories/" + encodeURIComponent(body.id) + "/timeline", "Open " + body.title);
        reloadPart(location.pathname, "stories");
      } else {
        say(form, text + " (" + body.id + ")");
      }
      return;
    }
    if (LIFECYCLE[kind]) return reloadFact(form, text);
  }

  function reloadPart(url, id) {
    return fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
      var here = document.getElementById(id);
      if (fresh && here) here.replaceChildren.apply(here, Array.prototype.slice.call(fresh.childNodes));
    });
  }

  // The fact the form acts on, shown again as the API now answers it.
  function reloadFact(form, text) {
    var holder = form.closest("[data-panel-url], [data-panel-body]");
    var url = holder && (holder.getAttribute("data-panel-url") || holder.getAttribute("data-url"));
    if (!url) { say(form, text); return; }
    return fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("the fact answered " + r.status);
      return r.text();
    }).then(function (html) {
      holder.innerHTML = html;
      var flash = document.createElement("p");
      flash.className = "flash";
      flash.setAttribute("role", "status");
      flash.tabIndex = -1;
      flash.textContent = text;
      holder.insertBefore(flash, holder.firstChild);
      flash.focus();
    }).catch(function (error) { say(form, text + " (reload the page to see it: " + error.message + ")"); });
  }

  // ---- the fact form follows its kind -----------------------------------------------------

  function followKind(select) {
    var form = select.form;
    var kind = select.value;
    all(form, ".kind-field").forEach(function (wrapper) {
      var has = words(wrapper.getAttribute("data-kinds")).indexOf(kind) >= 0;
      var needs = words(wrapper.getAttribute("data-required-kinds")).indexOf(kind) >= 0;
      wrapper.hidden = !has;
      all(wrapper, SENT).forEach(function (el) {
        el.disabled = !has;
        if (needs) el.setAttribute("aria-required", "true"); else el.removeAttribute("aria-required");
      });
      var mark = wrapper.querySelector(".req");
      if (mark) mark.hidden = !needs;
    });
  }

  // ---- one or more sources ----------------------------------------------------------------

  function renumber(container) {
    var prefix = container.getAttribute("data-prefix");
    var idBase = container.getAttribute("data-id");
    all(container, "[data-source]").forEach(function (fieldset, n) {
      fieldset.setAttribute("data-source", String(n));
      fieldset.querySelector("legend").textContent = "Source " + (n + 1);
      var swap = function (value) {
        return value.replace(new RegExp("^(" + prefix + "|" + idBase + ")[.-]\\d+"), function (_, head) {
          return head + (head === prefix ? "." : "-") + n;
        });
      };
      all(fieldset, "[name]").forEach(function (el) { el.name = swap(el.name); });
      all(fieldset, "[id]").forEach(function (el) { el.id = swap(el.id); });
      all(fieldset, "label[for]").forEach(function (el) { el.htmlFor = swap(el.htmlFor); });
      all(fieldset, "[aria-describedby]").forEach(function (el) {
        el.setAttribute("aria-describedby", words(el.getAttribute("aria-describedby")).map(swap).join(" "));
      });
      all(fieldset, "[data-problem-for]").forEach(function (el) {
        el.setAttribute("data-problem-for", prefix + "." + n);
      });
      var remove = fieldset.querySelector("[data-remove-source]");
      if (remove) remove.hidden = n === 0;
    });
  }

  function addSource(form) {
    var container = form.querySelector("[data-sources]");
    var sources = all(container, "[data-source]");
    var copy = sources[sources.length - 1].cloneNode(true);
    all(copy, SENT).forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
    all(copy, ".problem").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    sources[sources.length - 1].after(copy);
    renumber(container);
    copy.querySelector("input").focus();
  }

  // ---- ids made from a title --------------------------------------------------------------

  function slug(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100).replace(/-+$/, "");
  }

  // ---- the story page's panel -------------------------------------------------------------

  function openPanel(link) {
    var dialog = document.getElementById("fact-panel");
    var body = dialog.querySelector("[data-panel-body]");
    var url = link.getAttribute("data-panel");
    body.setAttribute("data-url", url);
    body.textContent = "Loading…";
    dialog.querySelector("[data-panel-page]").href = link.href;
    if (!dialog.open) dialog.showModal();
    fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("the fact answered " + r.status);
      return r.text();
    }).then(function (html) {
      body.innerHTML = html;
      var title = body.querySelector(".fact-title");
      if (title) { title.tabIndex = -1; title.focus(); }
    }).catch(function (error) { body.textContent = "Could not open this fact: " + error.message; });
  }

  // ---- wiring (delegated: panels and refreshed parts bring new forms) ----------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-form]") || form.getAttribute("data-form") === "signin") return;
    event.preventDefault();
    post(form);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-kind-select]")) followKind(event.target);
  });
  document.addEventListener("input", function (event) {
    var el = event.target;
    var form = el.form;
    if (!form) return;
    var from = form.getAttribute("data-slug-from");
    if (el.name === "id") el.setAttribute("data-touched", el.value ? "1" : "");
    if (from && el.name === from) {
      var id = form.querySelector('[name="id"]');
      if (id && !id.getAttribute("data-touched")) id.value = slug(el.value);
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-add-source], [data-remove-source], [data-close-panel], a[data-panel]");
    if (!target) return;
    if (target.matches("a[data-panel]")) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;  // a new tab: the page
      event.preventDefault();
      openPanel(target);
    } else if (target.matches("[data-add-source]")) {
      addSource(target.form || target.closest("form"));
    } else if (target.matches("[data-remove-source]")) {
      var container = target.closest("[data-sources]");
      target.closest("[data-source]").remove();
      renumber(container);
    } else {
      target.closest("dialog").close();
    }
  });
  all(document, "[data-kind-select]").forEach(followKind);
  document.documentElement.setAttribute("data-desk", "ready");
})();
