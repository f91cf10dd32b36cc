/* journeymap's pages: the editor, the boards, and the small pages around them.
 *
 * Plain browser APIs only (no third-party code, see docs/adr/0003-web-ui-stack.md): HTML5 drag and drop
 * for steps, stages and ideas, pointer events for the emotion curve, fetch for the JSON API and
 * EventSource for live updates. The page's facts come in <script id="boot">, its texts (from the
 * message catalogue, in the user's language) in <script id="texts">.
 */
"use strict";

const BOOT = JSON.parse(document.getElementById("boot").textContent || "{}");
const TEXTS = JSON.parse(document.getElementById("texts").textContent || "{}");
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const LANE_KEYS = ["actions", "motivations", "questions", "expectations", "received", "frontstage", "backstage"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const PROVENANCES = ["assumed", "reported", "observed"];
const STATUSES = ["idea", "planned", "in-progress", "done", "dropped"];
const ROLES = ["initiator", "user", "influencer", "decider", "buyer", "gatekeeper", "customer"];

/** A text from the catalogue: "server.x.y" is looked up as tr("x.y"); other sections by their full key. */
function tr(key, vars) {
  let text = TEXTS["server." + key] ?? TEXTS[key] ?? key;
  for (const [k, v] of Object.entries(vars || {})) text = text.split("{" + k + "}").join(String(v));
  return text;
}

/** Build an element: el("div", {class: "x", onclick: f}, child, "text"). */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, url, body, headers) {
  const opts = {method, headers: {"Accept": "application/json", ...(headers || {})}, credentials: "same-origin"};
  if (method !== "GET") opts.headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const response = await fetch(url, opts);
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch (_e) { data = null; }
  }
  return {status: response.status, ok: response.ok, data, headers: response.headers};
}

function errorText(r) {
  return (r.data && r.data.error && r.data.error.message) || ("HTTP " + r.status);
}

function toast(message) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  box.classList.add("on");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("on"), 3500);
}

function slug(text, taken) {
  let base = String(text).toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "item";
  if (!/^[a-z0-9]/.test(base)) base = "x" + base;
  let id = base, n = 2;
  while (taken.has(id)) id = base + "-" + n++;
  return id;
}

/** A new item's id field follows its name (as a free slug) until the user types an id of their own. */
function idFollows(form, name, taken) {
  const id = form.elements.id;
  name.addEventListener("input", (e) => {
    if (!id.dataset.touched) id.value = e.target.value.trim() ? slug(e.target.value, new Set(taken || [])) : "";
  });
  id.addEventListener("input", () => { id.dataset.touched = "1"; });
}

function item(x) { return typeof x === "string" ? {text: x} : x; }

function formatShare(value) {
  if (value === null || value === undefined) return "–";
  return (Math.round(value * 1000) / 10).toLocaleString(document.documentElement.lang) + " %";
}

function formatNumber(value, digits) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString(document.documentElement.lang, {maximumFractionDigits: digits ?? 1});
}

/** Live updates: one EventSource per page, handlers per event type. The server says "hello" once the page is
 * subscribed (then <html data-live="open">); when it says so again after the stream was lost, the "reopen" handlers
 * load again what the page shows, since changes made meanwhile were not heard. */
const Live = {
  handlers: {}, opened: 0,
  on(type, fn) {
    (this.handlers[type] = this.handlers[type] || []).push(fn);
    if (!this.source) {
      this.source = new EventSource("/api/v1/live");
      const fire = (t, data) => (this.handlers[t] || []).forEach((h) => h(data));
      for (const t of ["journey", "comment", "persona", "workshop"]) {
        this.source.addEventListener(t, (e) => fire(t, JSON.parse(e.data)));
      }
      this.source.addEventListener("hello", () => {
        document.documentElement.dataset.live = "open";
        if (this.opened++ > 0) fire("reopen", {});
      });
      this.source.addEventListener("error", () => { document.documentElement.dataset.live = "lost"; });
    }
  },
};

/* ------------------------------------------------------------------------------------------------------------
 * The journey: loaded once, edited in memory, saved whole with If-Match; a stale save shows the other change,
 * unless every edit since the last save only added something (an idea, an opportunity): those are made again on
 * the newest version and saved, so people adding ideas at once in a workshop never meet a conflict.
 * ---------------------------------------------------------------------------------------------------------- */

const J = {
  id: BOOT.journey, doc: null, etag: BOOT.etag, saving: false, again: false, comments: [], render: () => {},
  validateTimer: null,
  additions: [],  // the adding edits not saved yet, in order (made again on a newer version after a 412)
  others: 0,      // the other edits not saved yet (after a 412 they meet the conflict)
  rebases: 0,     // 412s answered by making the additions again, since the last save

  async load() {
    const r = await api("GET", `/api/v1/journeys/${this.id}`);
    if (!r.ok) { toast(errorText(r)); return; }
    this.doc = r.data;
    this.etag = (r.headers.get("ETag") || "").replace(/"/g, "");
    await this.loadComments();
    this.render();
  },

  /** Someone else saved first: load their version, make this page's additions again on it, and save. */
  async rebase() {
    const r = await api("GET", `/api/v1/journeys/${this.id}`);
    if (!r.ok) { toast(errorText(r)); return; }
    this.doc = r.data;
    this.etag = (r.headers.get("ETag") || "").replace(/"/g, "");
    for (const edit of this.additions) edit(this.doc);
    this.render();
    this.save("adds");
  },

  async loadComments() {
    const r = await api("GET", `/api/v1/journeys/${this.id}/comments`);
    this.comments = r.ok ? r.data : [];
  },

  /** Apply an edit to the document, redraw, and save. ``adds``: the edit only adds something new (made again on
   * a newer version if someone else saved meanwhile); leave it false for anything that changes what is there. */
  change(edit, redraw = true, {adds = false} = {}) {
    if (!BOOT.can_edit) return;
    edit(this.doc);
    if (adds) this.additions.push(edit); else this.others++;
    if (redraw) this.render();
    this.save(adds ? "adds" : "change");
  },

  /** Save the document (``kind``: "field", an edit made on the document directly, or how :meth:`change` made it). */
  async save(kind = "field") {
    if (kind === "field") this.others++;
    if (this.saving) { this.again = true; return; }
    this.saving = true;
    const sent = {additions: this.additions.length, others: this.others};
    saveState(tr("editor.saving"));
    const r = await api("PUT", `/api/v1/journeys/${this.id}`, this.doc, {"If-Match": `"${this.etag}"`});
    this.saving = false;
    if (r.status === 200) {
      this.etag = r.data.etag;
      this.additions.splice(0, sent.additions);
      this.others -= sent.others;
      this.rebases = 0;
      saveState(tr("editor.saved", {n: r.data.revision}), "ok");
      showProblems([]);
      markFields([]);
      hideConflict();
    } else if (r.status === 412 && this.others === 0 && this.additions.length && this.rebases < 3) {
      this.rebases++;
      this.again = false;
      await this.rebase();
      return;
    } else if (r.status === 412) {
      showConflict(r.data.error);
      this.additions = [];
      this.others = 0;
      this.again = false;
    } else if (r.status === 422) {
      const diags = r.data.error.details.diagnostics;
      saveState(tr("editor.invalid", {n: diags.length}), "bad");
      showProblems(diags);
      markFields(diags);
    } else {
      saveState(errorText(r), "bad");
    }
    if (this.again) { this.again = false; this.save("again"); }
  },

  /** Ask the server what validate says about the document as it is now (while typing). */
  validateSoon() {
    clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(async () => {
      const r = await api("POST", `/api/v1/journeys/${this.id}/validate`, this.doc);
      if (r.ok) { markFields(r.data.diagnostics); showProblems(r.data.diagnostics); }
    }, 300);
  },

  stepIds() { return new Set(this.doc.steps.map((s) => s.id)); },
  stageIds() { return new Set(this.doc.stages.map((s) => s.id)); },
};

/** A form drawn anew keeps what was typed or chosen in the form it replaces: the page redraws whenever someone else
 * votes, comments or saves, and that must not wipe a half-typed idea or comment. Returns the new form. */
function keepTyped(old, fresh) {
  if (!old || !fresh) return fresh;
  for (const e of fresh.elements) {
    const was = e.name ? old.elements[e.name] : null;
    if (!was || !("value" in was) || e.type === "submit" || e.type === "button") continue;
    if (e.tagName === "SELECT" && ![...e.options].some((o) => o.value === was.value)) continue;
    e.value = was.value;
  }
  return fresh;
}

function saveState(text, kind) {
  const box = document.getElementById("save-state");
  if (!box) return;
  box.textContent = text;
  box.className = "save-state " + (kind || "");
}

function showProblems(diags) {
  const box = document.getElementById("problems");
  if (!box) return;
  box.replaceChildren(...diags.map((d) => el("div", {class: "problem " + d.level}, d.text)));
  box.hidden = diags.length === 0;
}

/** Put each diagnostic under the field it is about (the deepest field of its path that is on the page). */
function markFields(diags) {
  document.querySelectorAll(".field-error").forEach((n) => n.remove());
  document.querySelectorAll(".has-error").forEach((n) => n.classList.remove("has-error"));
  for (const d of diags) {
    if (!d.path) continue;
    let parts = d.path.split(".");
    while (parts.length) {
      const target = document.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`);
      if (target) {
        target.classList.add("has-error");
        target.insertAdjacentElement("afterend", el("div", {class: "field-error", role: "alert", title: d.text}, d.message));
        break;
      }
      parts = parts.slice(0, -1);
    }
  }
}

function showConflict(error) {
  const box = document.getElementById("conflict");
  const details = error.details || {};
  saveState(error.message, "bad");
  box.replaceChildren(
    el("strong", {}, tr("editor.conflict_title")),
    el("p", {}, tr("editor.conflict_body", {who: details.changed_by || "?"})),
    el("ul", {}, (details.their_changes || []).map((c) => el("li", {}, c.line))),
    el("button", {type: "button", class: "primary", onclick: () => { hideConflict(); J.load(); }}, tr("editor.conflict_reload")),
  );
  box.hidden = false;
}

function hideConflict() {
  const box = document.getElementById("conflict");
  if (box) box.hidden = true;
}

/** An editable field bound to ``path`` of the journey. ``multiline``: a textarea; ``wraps``: one line of text that
 * wraps to show all of it (a name): Enter ends the edit, a pasted line break becomes a space. */
function field(path, get, set, attrs) {
  const wraps = attrs && attrs.wraps;
  const input = el(attrs && (attrs.multiline || wraps) ? "textarea" : "input", {
    value: get() ?? "", "data-path": path, disabled: !BOOT.can_edit, placeholder: attrs && attrs.placeholder,
    "aria-label": attrs && attrs.label, class: attrs && attrs.class, rows: wraps ? 1 : null,
    oninput: (e) => {
      if (wraps && /[\r\n]/.test(e.target.value)) e.target.value = e.target.value.replace(/\s*[\r\n]+\s*/g, " ");
      set(e.target.value); J.validateSoon();
    },
    onkeydown: wraps ? (e) => { if (e.key === "Enter") { e.preventDefault(); e.target.blur(); } } : null,
    onchange: () => J.save(),
  });
  return input;
}

function select(path, options, current, onChange, attrs) {
  return el("select", {"data-path": path, disabled: !BOOT.can_edit, "aria-label": attrs && attrs.label,
                       onchange: (e) => onChange(e.target.value)},
    options.map(([value, label]) => el("option", {value, selected: value === current ? "selected" : null}, label)));
}

/* ------------------------------------------------------------------------------------------------------------
 * The editor: stages as columns, steps as cards (drag between stages), the emotion curve (drag the points).
 * ---------------------------------------------------------------------------------------------------------- */

let dragging = null;  // {kind: "step"|"stage"|"opportunity", id}

function moveStep(stepId, stageId, beforeId) {
  J.change((doc) => {
    const i = doc.steps.findIndex((s) => s.id === stepId);
    const [step] = doc.steps.splice(i, 1);
    step.stage = stageId;
    let at = beforeId ? doc.steps.findIndex((s) => s.id === beforeId) : -1;
    if (at < 0) {
      // after the last step of this stage, or of the nearest stage before it that has steps
      const order = doc.stages.map((s) => s.id);
      const rank = (sid) => order.indexOf(sid);
      at = 0;
      doc.steps.forEach((s, k) => { if (rank(s.stage) <= rank(stageId)) at = k + 1; });
    }
    doc.steps.splice(at, 0, step);
  });
}

function moveStage(stageId, beforeId) {
  if (stageId === beforeId) return;
  J.change((doc) => {
    const i = doc.stages.findIndex((s) => s.id === stageId);
    const [stage] = doc.stages.splice(i, 1);
    const at = beforeId ? doc.stages.findIndex((s) => s.id === beforeId) : doc.stages.length;
    doc.stages.splice(at < 0 ? doc.stages.length : at, 0, stage);
    // steps follow their stages on the map
    const order = doc.stages.map((s) => s.id);
    doc.steps.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage));
  });
}

function removeStep(doc, stepId) {
  doc.steps = doc.steps.filter((s) => s.id !== stepId);
  for (const s of doc.steps) if (Array.isArray(s.next)) s.next = s.next.filter((n) => n !== stepId);
  for (const o of doc.opportunities || []) if (o.step === stepId) delete o.step;
  for (const t of doc.triggers || []) if (t.step === stepId) delete t.step;
}

function addStep(stageId) {
  J.change((doc) => {
    const name = tr("editor.new_step");
    const step = {id: slug(name, J.stepIds()), name, stage: stageId, channel: (BOOT.channels || ["web"])[0]};
    const order = doc.stages.map((s) => s.id);
    let at = 0;
    doc.steps.forEach((s, k) => { if (order.indexOf(s.stage) <= order.indexOf(stageId)) at = k + 1; });
    doc.steps.splice(at, 0, step);
  });
}

function addStage() {
  J.change((doc) => {
    const name = tr("editor.new_stage");
    const id = slug(name, J.stageIds());
    doc.stages.push({id, name});
    doc.steps.push({id: slug(tr("editor.new_step"), J.stepIds()), name: tr("editor.new_step"), stage: id,
                    channel: (BOOT.channels || ["web"])[0]});
  });
}

function commentCount(target) {
  return J.comments.filter((c) => c.target === target && !c.parent && !c.resolved).length;
}

/** ``node`` showing the open comment threads on ``target`` ("✎ 2", or with ``label`` "✎ Comments (2)"), kept current
 * when comments come and go (:func:`refreshComments`); ``hideZero`` hides it while there are none. */
function withCount(node, target, {label = false, hideZero = false} = {}) {
  node.dataset.countOf = target;
  if (label) node.dataset.countLabel = "1";
  if (hideZero) node.dataset.hideZero = "1";
  showCount(node);
  return node;
}

function showCount(node) {
  const n = commentCount(node.dataset.countOf);
  node.textContent = node.dataset.countLabel ? `✎ ${tr("comments.title")} (${n})` : `✎ ${n}`;
  if (node.dataset.hideZero) node.hidden = n === 0;
}

function stepCard(step, index) {
  const card = el("article", {
    class: "step", draggable: BOOT.can_edit ? "true" : null, "data-step": step.id,
    ondragstart: (e) => { dragging = {kind: "step", id: step.id}; e.dataTransfer.setData("text/plain", step.id); card.classList.add("dragging"); },
    ondragend: () => { card.classList.remove("dragging"); },
    ondragover: (e) => { if (dragging && dragging.kind === "step") { e.preventDefault(); card.classList.add("drop-before"); } },
    ondragleave: () => card.classList.remove("drop-before"),
    ondrop: (e) => {
      e.preventDefault(); e.stopPropagation(); card.classList.remove("drop-before");
      if (dragging && dragging.kind === "step" && dragging.id !== step.id) moveStep(dragging.id, step.stage, step.id);
      dragging = null;
    },
  });
  const pains = (step.pain_points || []).length;
  card.append(
    el("div", {class: "step-top"},
      el("span", {class: "grip", "aria-hidden": "true"}, "⋮⋮"),
      field(`steps.${index}.name`, () => step.name, (v) => { step.name = v; }, {label: tr("editor.step_name"), class: "step-name", wraps: true})),
    el("div", {class: "step-meta"},
      select(`steps.${index}.channel`, (BOOT.channels || []).map((c) => [c, c]), step.channel,
             (v) => J.change((d) => { d.steps[index].channel = v; }, false), {label: tr("lane.channel")}),
      step.emotion ? el("span", {class: "emo", title: tr("lane.emotion")}, formatNumber(step.emotion.score), step.emotion.word ? " " + step.emotion.word : "") : null,
      pains ? el("span", {class: "pains", title: tr("lane.pain_points")}, "⚠ " + pains) : null,
      withCount(el("span", {class: "ccount", title: tr("comments.title")}), "step:" + step.id, {hideZero: true})),
    el("div", {class: "step-actions"},
      el("button", {type: "button", "data-action": "details", onclick: () => openStep(step.id)}, tr("editor.details")),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", "data-action": "delete-step",
        onclick: () => { if (confirm(tr("editor.confirm_delete", {name: step.name}))) J.change((d) => removeStep(d, step.id)); }}, "✕") : null),
  );
  return card;
}

function stageColumn(stage, si) {
  const steps = J.doc.steps.map((s, i) => [s, i]).filter(([s]) => s.stage === stage.id);
  const head = el("header", {
    class: "stage-head", draggable: BOOT.can_edit ? "true" : null, "data-stage-head": stage.id,
    ondragstart: (e) => { dragging = {kind: "stage", id: stage.id}; e.dataTransfer.setData("text/plain", stage.id); },
    ondragover: (e) => { if (dragging && dragging.kind === "stage") e.preventDefault(); },
    ondrop: (e) => { e.preventDefault(); if (dragging && dragging.kind === "stage") moveStage(dragging.id, stage.id); dragging = null; },
  },
    el("span", {class: "grip", "aria-hidden": "true"}, "⋮⋮"),
    field(`stages.${si}.name`, () => stage.name, (v) => { stage.name = v; }, {label: tr("editor.stage_name"), class: "stage-name"}),
    BOOT.can_edit ? el("button", {type: "button", class: "danger", "data-action": "delete-stage", title: tr("editor.delete"),
      onclick: () => {
        if (!confirm(tr("editor.confirm_delete", {name: stage.name}))) return;
        J.change((d) => {
          for (const s of d.steps.filter((x) => x.stage === stage.id)) removeStep(d, s.id);
          d.stages = d.stages.filter((x) => x.id !== stage.id);
          for (const o of d.opportunities || []) if (o.stage === stage.id) delete o.stage;
        });
      }}, "✕") : null);
  const body = el("div", {
    class: "stage-body", "data-stage": stage.id,
    ondragover: (e) => { if (dragging && dragging.kind === "step") { e.preventDefault(); body.classList.add("drop"); } },
    ondragleave: () => body.classList.remove("drop"),
    ondrop: (e) => {
      e.preventDefault(); body.classList.remove("drop");
      if (dragging && dragging.kind === "step") moveStep(dragging.id, stage.id, null);
      dragging = null;
    },
  }, steps.map(([s, i]) => stepCard(s, i)),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-action": "add-step", onclick: () => addStep(stage.id)}, "+ " + tr("editor.add_step")) : null);
  return el("section", {class: "stage", "data-stage-col": stage.id}, head, body);
}

/** The assumed emotion curve over the steps in map order; drag a point to change a step's emotion. */
function emotionCurve() {
  const steps = J.doc.steps;
  const w = Math.max(600, steps.length * 90), h = 170, pad = 28;
  const x = (i) => pad + (steps.length <= 1 ? 0 : i * (w - 2 * pad) / (steps.length - 1));
  const y = (score) => h / 2 - score * (h / 2 - pad) / 2;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "curve");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(h));
  const add = (tag, attrs) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    svg.append(n);
    return n;
  };
  add("line", {x1: pad, x2: w - pad, y1: y(0), y2: y(0), class: "zero"});
  const pts = steps.map((s, i) => [i, s.emotion ? s.emotion.score : null]).filter(([, v]) => v !== null);
  if (pts.length > 1) add("polyline", {points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), class: "line"});
  steps.forEach((s, i) => {
    const score = s.emotion ? s.emotion.score : 0;
    const dot = add("circle", {cx: x(i), cy: y(score), r: 9, class: s.emotion ? "dot" : "dot unset",
                               "data-emotion": s.id, tabindex: BOOT.can_edit ? 0 : -1});
    const title = document.createElementNS(ns, "title");
    title.textContent = `${s.name}: ${s.emotion ? score : "–"}`;
    dot.append(title);
    const label = add("text", {x: x(i), y: h - 4, class: "label"});
    label.textContent = s.name.length > 14 ? s.name.slice(0, 13) + "…" : s.name;
    if (!BOOT.can_edit) return;
    const setScore = (value) => {
      const v = Math.max(-2, Math.min(2, Math.round(value * 2) / 2));
      const e = s.emotion || {score: 0};
      s.emotion = {...e, score: v};
      dot.setAttribute("cy", String(y(v)));
      title.textContent = `${s.name}: ${v}`;
    };
    dot.addEventListener("pointerdown", (ev) => {
      dot.setPointerCapture(ev.pointerId);
      const rect = svg.getBoundingClientRect();
      const scale = h / rect.height;
      const move = (e2) => setScore((h / 2 - (e2.clientY - rect.top) * scale) * 2 / (h / 2 - pad));
      const up = () => { dot.removeEventListener("pointermove", move); dot.removeEventListener("pointerup", up); J.render(); J.save(); };
      dot.addEventListener("pointermove", move);
      dot.addEventListener("pointerup", up);
    });
    dot.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
        ev.preventDefault();
        setScore((s.emotion ? s.emotion.score : 0) + (ev.key === "ArrowUp" ? 0.5 : -0.5));
        J.render(); J.save();
      }
    });
  });
  return el("div", {class: "curve-wrap"}, el("p", {class: "muted"}, tr("editor.emotion_hint")), svg);
}

function renderEditor(root) {
  const doc = J.doc;
  root.replaceChildren(
    el("div", {class: "toolbar"},
      BOOT.can_edit ? el("button", {type: "button", "data-action": "add-stage", onclick: addStage}, "+ " + tr("editor.add_stage")) : null,
      BOOT.can_edit ? el("span", {class: "muted"}, tr("editor.drag_hint")) : null,
      withCount(el("button", {type: "button", onclick: () => openComments("journey")}), "journey", {label: true}),
      el("span", {class: "spacer"}),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", "data-action": "delete-journey", onclick: deleteJourney}, tr("editor.delete_journey")) : null),
    el("div", {class: "journey-fields"},
      el("label", {}, tr("journeys.title_field"), field("title", () => doc.title, (v) => { doc.title = v; })),
      el("label", {}, tr("editor.goal"), field("goal", () => doc.goal, (v) => { doc.goal = v || undefined; }))),
    el("div", {class: "stages"}, doc.stages.map((s, i) => stageColumn(s, i))),
    emotionCurve(),
    el("div", {class: "panels"}, triggersPanel(), lanesPanel()),
  );
  root.removeAttribute("aria-busy");
}

/** Delete the whole journey (after a confirmation); its last version stays a revision, restorable from the list. */
async function deleteJourney() {
  if (!confirm(tr("editor.confirm_delete_journey", {title: J.doc.title}))) return;
  J.deleting = true;
  const r = await api("DELETE", `/api/v1/journeys/${J.id}`, undefined, {"If-Match": `"${J.etag}"`});
  if (r.ok) location.href = "/";
  else { J.deleting = false; toast(errorText(r)); }
}

/** A panel of the editor that lists parts of the journey: title and hint (``editor.KEY``, ``editor.KEY_hint``), the
 * items, and the button that adds one. */
function listPanel(id, key, items, addButton) {
  return el("section", {class: "card panel", id},
    el("h2", {}, tr(`editor.${key}`)), el("p", {class: "muted"}, tr(`editor.${key}_hint`)),
    el("ul", {class: "items"}, items), addButton);
}

/** The ✕ that deletes a named part of the journey once the user confirms (nothing for those who may not edit). */
function deleteButton(action, name, remove) {
  return BOOT.can_edit ? el("button", {type: "button", class: "danger", title: tr("editor.delete"), "data-action": action,
    onclick: () => { if (confirm(tr("editor.confirm_delete", {name}))) J.change(remove); }}, "✕") : null;
}

const TRIGGER_KINDS = ["event", "time", "contract-end", "manual"];

/** What starts the journey: name, kind, the step it leads to, days before or after a date, the events that fire it. */
function triggersPanel() {
  const triggers = J.doc.triggers || [];
  return listPanel("triggers", "triggers", triggers.map((t, k) => el("li", {class: "trigger", "data-trigger": t.id},
      field(`triggers.${k}.name`, () => t.name, (v) => { t.name = v; }, {label: tr("editor.trigger_name")}),
      select(`triggers.${k}.kind`, TRIGGER_KINDS.map((x) => [x, tr("trigger." + x)]), t.kind || "event",
             (v) => J.change((d) => { d.triggers[k].kind = v; }), {label: tr("editor.trigger_kind")}),
      select(`triggers.${k}.step`, [["", "–"], ...J.doc.steps.map((s) => [s.id, s.name])], t.step || "",
             (v) => J.change((d) => { if (v) d.triggers[k].step = v; else delete d.triggers[k].step; }), {label: tr("editor.trigger_step")}),
      el("input", {type: "number", step: 1, value: t.offset_days ?? "", "data-path": `triggers.${k}.offset_days`, disabled: !BOOT.can_edit,
        "aria-label": tr("editor.trigger_offset"), title: tr("editor.trigger_offset"), placeholder: "±",
        onchange: (e) => J.change((d) => { const v = e.target.value.trim(); if (v === "") delete d.triggers[k].offset_days; else d.triggers[k].offset_days = Number(v); }, false)}),
      field(`triggers.${k}.binding`, () => ((t.binding && t.binding.events) || []).join(", "), (v) => {
        const names = v.split(",").map((x) => x.trim()).filter(Boolean);
        if (names.length) t.binding = {...(t.binding || {}), events: names}; else delete t.binding;
      }, {label: tr("editor.trigger_events"), placeholder: tr("editor.trigger_events")}),
      deleteButton("delete-trigger", t.name, (d) => { d.triggers.splice(k, 1); if (!d.triggers.length) delete d.triggers; }))),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-action": "add-trigger", onclick: () => J.change((d) => {
      d.triggers = d.triggers || [];
      const name = tr("editor.new_trigger");
      d.triggers.push({id: slug(name, new Set(d.triggers.map((x) => x.id))), name, kind: "event"});
    })}, "+ " + tr("editor.add_trigger")) : null);
}

/** The journey's own lanes (rows beside the standard ones); each step fills them in its details. */
function lanesPanel() {
  const lanes = J.doc.lanes || [];
  return listPanel("custom-lanes", "lanes", lanes.map((lane, k) => el("li", {class: "custom-lane", "data-custom-lane": lane.id},
      field(`lanes.${k}.name`, () => lane.name, (v) => { lane.name = v; }, {label: tr("editor.lane_name")}),
      deleteButton("delete-lane", lane.name, (d) => removeLane(d, lane.id)))),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-action": "add-lane", onclick: () => {
      const name = (prompt(tr("editor.lane_name"), tr("editor.new_lane")) || "").trim();
      if (name) J.change((d) => { d.lanes = d.lanes || []; d.lanes.push({id: slug(name, new Set(d.lanes.map((x) => x.id))), name}); });
    }}, "+ " + tr("editor.add_lane")) : null);
}

function removeLane(doc, laneId) {
  doc.lanes = (doc.lanes || []).filter((l) => l.id !== laneId);
  if (!doc.lanes.length) delete doc.lanes;
  for (const s of doc.steps) {
    if (s.lanes && laneId in s.lanes) { delete s.lanes[laneId]; if (!Object.keys(s.lanes).length) delete s.lanes; }
  }
}

/** One custom lane of one step in the drawer: its items (text), add and remove. */
function customLaneList(step, index, lane) {
  const items = ((step.lanes || {})[lane.id] || []).map(item);
  const path = `steps.${index}.lanes.${lane.id}`;
  return el("section", {class: "lane", "data-lane": "custom:" + lane.id},
    el("h3", {}, lane.name),
    el("ul", {}, items.map((it, k) => el("li", {class: "lane-item"},
      field(`${path}.${k}`, () => it.text, (v) => { step.lanes[lane.id][k] = {...item(step.lanes[lane.id][k]), text: v}; }, {label: lane.name}),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", title: tr("editor.delete"), onclick: () => J.change((d) => {
        const s = d.steps[index];
        s.lanes[lane.id].splice(k, 1);
        if (!s.lanes[lane.id].length) delete s.lanes[lane.id];
        if (!Object.keys(s.lanes).length) delete s.lanes;
        openStep(step.id);
      })}, "✕") : null))),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-add-lane": "custom:" + lane.id, onclick: () => {
      const text = (prompt(lane.name) || "").trim();
      if (text) J.change((d) => { const s = d.steps[index]; s.lanes = s.lanes || {}; (s.lanes[lane.id] = s.lanes[lane.id] || []).push(text); openStep(step.id); });
    }}, "+ " + tr("editor.add_item")) : null);
}

/* --- the step drawer: every lane of one step ------------------------------------------------------------------ */

function laneList(step, index, key, label) {
  const items = (step[key] || []).map(item);
  const rows = items.map((it, k) => el("li", {class: "lane-item"},
    field(`steps.${index}.${key}.${k}`, () => it.text, (v) => { step[key][k] = {...item(step[key][k]), text: v}; }, {label}),
    select(`steps.${index}.${key}.${k}.provenance`, PROVENANCES.map((p) => [p, tr("provenance." + p)]), it.provenance || "assumed",
           (v) => J.change((d) => { d.steps[index][key][k] = {...item(d.steps[index][key][k]), provenance: v}; }, false),
           {label: tr("editor.provenance")}),
    BOOT.can_edit ? el("button", {type: "button", class: "danger", title: tr("editor.delete"),
      onclick: () => J.change((d) => { d.steps[index][key].splice(k, 1); if (!d.steps[index][key].length) delete d.steps[index][key]; openStep(step.id); })}, "✕") : null));
  return el("section", {class: "lane", "data-lane": key},
    el("h3", {}, label),
    el("ul", {}, rows),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-add-lane": key,
      onclick: () => { const text = prompt(label); if (text) J.change((d) => { (d.steps[index][key] = d.steps[index][key] || []).push(text); openStep(step.id); }); }},
      "+ " + tr("editor.add_item")) : null);
}

function painList(step, index) {
  const pains = (step.pain_points || []).map(item);
  return el("section", {class: "lane", "data-lane": "pain_points"},
    el("h3", {}, tr("lane.pain_points")),
    el("ul", {}, pains.map((p, k) => el("li", {class: "lane-item pain"},
      field(`steps.${index}.pain_points.${k}`, () => p.text, (v) => { step.pain_points[k] = {...item(step.pain_points[k]), text: v}; }, {label: tr("lane.pain_points")}),
      select(`steps.${index}.pain_points.${k}.severity`, SEVERITIES.map((s) => [s, tr("severity." + s)]), p.severity || "medium",
             (v) => J.change((d) => { d.steps[index].pain_points[k] = {...item(d.steps[index].pain_points[k]), severity: v}; }, false), {label: tr("editor.severity")}),
      field(`steps.${index}.pain_points.${k}.owner`, () => p.owner, (v) => { step.pain_points[k] = {...item(step.pain_points[k]), owner: v || undefined}; },
            {placeholder: tr("editor.owner"), label: tr("editor.owner")}),
      select(`steps.${index}.pain_points.${k}.provenance`, PROVENANCES.map((s) => [s, tr("provenance." + s)]), p.provenance || "assumed",
             (v) => J.change((d) => { d.steps[index].pain_points[k] = {...item(d.steps[index].pain_points[k]), provenance: v}; }, false), {label: tr("editor.provenance")}),
      withCount(el("button", {type: "button", onclick: () => openComments(`pain:${step.id}:${k}`)}), `pain:${step.id}:${k}`),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", onclick: () => J.change((d) => { d.steps[index].pain_points.splice(k, 1); openStep(step.id); })}, "✕") : null))),
    BOOT.can_edit ? el("button", {type: "button", class: "add", "data-add-lane": "pain_points",
      onclick: () => { const text = prompt(tr("lane.pain_points")); if (text) J.change((d) => { (d.steps[index].pain_points = d.steps[index].pain_points || []).push({text, severity: "medium"}); openStep(step.id); }); }},
      "+ " + tr("editor.add_item")) : null);
}

function kpiList(step, index) {
  const kpis = step.kpis || [];
  return el("section", {class: "lane", "data-lane": "kpis"},
    el("h3", {}, tr("lane.kpis")),
    el("ul", {}, kpis.map((k, n) => el("li", {class: "lane-item"},
      field(`steps.${index}.kpis.${n}.name`, () => k.name, (v) => { k.name = v; }, {label: tr("editor.kpi_name")}),
      field(`steps.${index}.kpis.${n}.how`, () => k.how, (v) => { k.how = v || undefined; }, {placeholder: tr("kpi.how"), label: tr("kpi.how")}),
      field(`steps.${index}.kpis.${n}.frequency`, () => k.frequency, (v) => { k.frequency = v || undefined; }, {placeholder: tr("kpi.frequency"), label: tr("kpi.frequency")}),
      field(`steps.${index}.kpis.${n}.who`, () => k.who, (v) => { k.who = v || undefined; }, {placeholder: tr("kpi.who"), label: tr("kpi.who")}),
      field(`steps.${index}.kpis.${n}.target`, () => k.target, (v) => { k.target = v || undefined; }, {placeholder: tr("kpi.target"), label: tr("kpi.target")}),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", onclick: () => J.change((d) => { d.steps[index].kpis.splice(n, 1); openStep(step.id); })}, "✕") : null))),
    BOOT.can_edit ? el("button", {type: "button", class: "add", onclick: () => { const name = prompt(tr("editor.kpi_name")); if (name) J.change((d) => { (d.steps[index].kpis = d.steps[index].kpis || []).push({name}); openStep(step.id); }); }},
      "+ " + tr("editor.add_item")) : null);
}

let eventNames = null;

async function bindingField(step, index) {
  const list = el("datalist", {id: "event-names"});
  if (eventNames === null) {
    const r = await api("GET", "/api/v1/events/names");
    eventNames = r.ok ? r.data : [];
  }
  list.append(...eventNames.map((e) => el("option", {value: e.event}, `${e.event} (${e.n})`)));
  const events = (step.binding && step.binding.events) || [];
  const input = el("input", {
    "data-path": `steps.${index}.binding`, list: "event-names", value: events.join(", "), disabled: !BOOT.can_edit,
    placeholder: tr("editor.binding_hint"), "aria-label": tr("editor.binding"),
    oninput: (e) => {
      const names = e.target.value.split(",").map((x) => x.trim()).filter(Boolean);
      if (names.length) step.binding = {...(step.binding || {}), events: names};
      else delete step.binding;
      J.validateSoon();
    },
    onchange: () => J.save(),
  });
  return el("section", {class: "lane", "data-lane": "binding"}, el("h3", {}, tr("editor.binding")), input, list,
    el("p", {class: "muted"}, tr("editor.binding_hint")));
}

/** The drawer's title and the button that closes it. */
function drawerHeader(drawer, title) {
  return el("header", {}, el("h2", {}, title),
    el("button", {type: "button", class: "close", onclick: () => { drawer.hidden = true; }}, tr("editor.close")));
}

async function openStep(stepId) {
  const drawer = document.getElementById("drawer");
  const index = J.doc.steps.findIndex((s) => s.id === stepId);
  if (index < 0) { drawer.hidden = true; return; }
  const step = J.doc.steps[index];
  const personas = BOOT.personas || [];
  const emotion = step.emotion || null;
  drawer.replaceChildren(
    drawerHeader(drawer, step.name),
    el("div", {class: "drawer-body", "data-drawer-step": step.id},
      el("label", {}, tr("editor.description"), field(`steps.${index}.description`, () => step.description, (v) => { step.description = v || undefined; }, {multiline: true})),
      el("label", {}, tr("editor.owner"), field(`steps.${index}.owner`, () => step.owner, (v) => { step.owner = v || undefined; })),
      el("label", {}, tr("editor.moment_of_truth"), select(`steps.${index}.moment_of_truth`, [["", "–"], ...[1, 2, 3, 4, 5].map((n) => [String(n), String(n)])],
        step.moment_of_truth ? String(step.moment_of_truth) : "", (v) => J.change((d) => { if (v) d.steps[index].moment_of_truth = Number(v); else delete d.steps[index].moment_of_truth; }, false))),
      el("fieldset", {"data-path": `steps.${index}.personas`}, el("legend", {}, tr("editor.personas_field")),
        personas.map((p) => el("label", {class: "check"}, el("input", {type: "checkbox", disabled: !BOOT.can_edit, checked: (step.personas || []).includes(p.id),
          onchange: (e) => J.change((d) => {
            const s = d.steps[index];
            const set = new Set(s.personas || []);
            if (e.target.checked) set.add(p.id); else set.delete(p.id);
            if (set.size) s.personas = personas.map((x) => x.id).filter((x) => set.has(x)); else delete s.personas;
          }, false)}), `${p.name} (${tr("role." + p.role)})`))),
      el("section", {class: "lane", "data-lane": "emotion"}, el("h3", {}, tr("lane.emotion")),
        el("input", {type: "range", min: -2, max: 2, step: 0.5, value: emotion ? emotion.score : 0, disabled: !BOOT.can_edit, "data-path": `steps.${index}.emotion`,
          "aria-label": tr("lane.emotion"), onchange: (e) => J.change((d) => { d.steps[index].emotion = {...(d.steps[index].emotion || {}), score: Number(e.target.value)}; })}),
        field(`steps.${index}.emotion.word`, () => emotion && emotion.word, (v) => { step.emotion = {...(step.emotion || {score: 0}), word: v || undefined}; }, {placeholder: tr("editor.emotion_word"), label: tr("editor.emotion_word")}),
        select(`steps.${index}.emotion.provenance`, PROVENANCES.map((p) => [p, tr("provenance." + p)]), (emotion && emotion.provenance) || "assumed",
               (v) => J.change((d) => { d.steps[index].emotion = {...(d.steps[index].emotion || {score: 0}), provenance: v}; }, false), {label: tr("editor.provenance")})),
      LANE_KEYS.slice(0, 5).map((k) => laneList(step, index, k, tr("lane." + k))),
      painList(step, index),
      LANE_KEYS.slice(5).map((k) => laneList(step, index, k, tr("lane." + k))),
      (J.doc.lanes || []).map((lane) => customLaneList(step, index, lane)),
      el("section", {class: "lane", "data-lane": "systems"}, el("h3", {}, tr("lane.systems")),
        field(`steps.${index}.systems`, () => (step.systems || []).join("\n"), (v) => {
          const names = v.split("\n").map((x) => x.trim()).filter(Boolean);
          if (names.length) step.systems = names; else delete step.systems;
        }, {multiline: true, placeholder: tr("editor.systems_hint")})),
      kpiList(step, index),
      await bindingField(step, index),
      commentsBlock("step:" + step.id)),
  );
  drawer.hidden = false;
}

/* --- comments ----------------------------------------------------------------------------------------------- */

function commentsBlock(target) {
  const threads = J.comments.filter((c) => c.target === target && !c.parent);
  const replies = (id) => J.comments.filter((c) => c.parent === id);
  const render = (c) => el("div", {class: "comment" + (c.resolved ? " resolved" : ""), "data-comment": c.id},
    el("div", {class: "meta"}, el("strong", {}, c.author), " · ", c.at.slice(0, 16).replace("T", " ")),
    el("p", {}, c.body));
  const box = el("section", {class: "comments", "data-comments": target},
    el("h3", {}, tr("comments.title")),
    threads.length ? null : el("p", {class: "muted"}, tr("comments.none")),
    threads.map((c) => el("div", {class: "thread"}, render(c), replies(c.id).map(render),
      c.resolved ? el("p", {class: "muted"}, tr("comments.resolved", {who: c.resolved_by})) : null,
      BOOT.can_edit ? el("div", {class: "row"},
        el("button", {type: "button", onclick: async () => { const body = prompt(tr("comments.reply")); if (body) { await postComment(target, body, c.id); } }}, tr("comments.reply")),
        el("button", {type: "button", "data-resolve": c.id, onclick: async () => { await api("PATCH", `/api/v1/comments/${c.id}`, {resolved: !c.resolved}); await refreshComments(); }},
          c.resolved ? tr("comments.reopen") : tr("comments.resolve"))) : null)),
    BOOT.can_edit ? el("form", {class: "new-comment", onsubmit: async (e) => {
      e.preventDefault();
      const body = e.target.elements.body;
      const text = body.value.trim();
      if (!text) return;
      body.value = "";  // the redraw after posting keeps what the form holds; a refused comment comes back
      if (!(await postComment(target, text, null))) {
        const again = document.querySelector(`[data-comments="${CSS.escape(target)}"] textarea[name=body]`);
        if (again) again.value = text;
      }
    }}, el("textarea", {name: "body", placeholder: tr("comments.placeholder"), "aria-label": tr("comments.add")}),
       el("button", {type: "submit", class: "primary"}, tr("comments.add"))) : null);
  return box;
}

async function postComment(target, body, parent) {
  const r = await api("POST", `/api/v1/journeys/${J.id}/comments`, {target, body, parent});
  if (!r.ok) toast(errorText(r));
  await refreshComments();
  return r.ok;
}

async function refreshComments() {
  await J.loadComments();
  document.querySelectorAll("[data-count-of]").forEach(showCount);
  document.querySelectorAll("[data-comments]").forEach((box) => {
    const focused = box.contains(document.activeElement) ? document.activeElement.name : null;
    const fresh = commentsBlock(box.dataset.comments);
    keepTyped(box.querySelector("form"), fresh.querySelector("form"));
    box.replaceWith(fresh);
    if (focused && fresh.querySelector("form")) fresh.querySelector("form").elements[focused].focus();
  });
}

function openComments(target) {
  const drawer = document.getElementById("drawer");
  if (!drawer) return;
  const label = target === "journey" ? tr("comments.on_journey") : target;
  drawer.replaceChildren(
    drawerHeader(drawer, `${tr("comments.title")}: ${label}`),
    el("div", {class: "drawer-body"}, commentsBlock(target)));
  drawer.hidden = false;
}

/* --- the opportunities board: impact × effort matrix and status columns -------------------------------------- */

/** An opportunity as a card; ``onStep``: it is drawn on its step (the workshop), so the step is not named again. */
function oppCard(o, k, onStep = false) {
  return el("div", {
    class: "opp", draggable: BOOT.can_edit ? "true" : null, "data-opportunity": o.id,
    ondragstart: (e) => { dragging = {kind: "opportunity", id: o.id}; e.dataTransfer.setData("text/plain", o.id); },
    onclick: () => openOpportunity(k),
  }, el("strong", {}, o.title), o.step && !onStep ? el("span", {class: "muted"}, " · " + ((J.doc.steps.find((s) => s.id === o.step) || {}).name || o.step)) : null,
    withCount(el("span", {class: "ccount"}), "opportunity:" + o.id, {hideZero: true}));
}

function dropZone(attrs, onDrop, ...children) {
  const zone = el("div", {...attrs,
    ondragover: (e) => { if (dragging && dragging.kind === "opportunity") { e.preventDefault(); zone.classList.add("drop"); } },
    ondragleave: () => zone.classList.remove("drop"),
    ondrop: (e) => { e.preventDefault(); zone.classList.remove("drop"); if (dragging && dragging.kind === "opportunity") onDrop(dragging.id); dragging = null; },
  }, ...children);
  return zone;
}

function setOpp(id, values) {
  J.change((d) => { const o = d.opportunities.find((x) => x.id === id); Object.assign(o, values); });
}

function renderOpportunities(root) {
  const opps = J.doc.opportunities || [];
  const matrix = el("div", {class: "matrix", "aria-label": tr("opportunities.matrix")});
  for (let impact = 5; impact >= 1; impact--) {
    for (let effort = 1; effort <= 5; effort++) {
      const q = impact >= 3 ? (effort <= 3 ? "quick-win" : "big-bet") : (effort <= 3 ? "fill-in" : "money-pit");
      matrix.append(dropZone({class: "cell " + q, "data-impact": impact, "data-effort": effort, title: tr("opportunities." + q)},
        (id) => setOpp(id, {impact, effort}),
        opps.map((o, k) => [o, k]).filter(([o]) => (o.impact ?? 3) === impact && (o.effort ?? 3) === effort).map(([o, k]) => oppCard(o, k))));
    }
  }
  const columns = el("div", {class: "status-columns"}, STATUSES.map((s) => dropZone({class: "status-col", "data-status": s},
    (id) => setOpp(id, {status: s}),
    el("h3", {}, tr("status." + s)),
    opps.map((o, k) => [o, k]).filter(([o]) => (o.status || "idea") === s).map(([o, k]) => oppCard(o, k)))));
  const form = BOOT.can_edit ? el("form", {class: "row card", id: "new-opportunity", onsubmit: (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const title = f.title.value.trim();
    if (!title) return;
    const step = f.step.value;
    e.target.reset();  // before the redraw, which keeps what the form holds
    J.change((d) => {
      d.opportunities = d.opportunities || [];
      const o = {id: slug(title, new Set(d.opportunities.map((x) => x.id))), title};
      if (step) o.step = step;
      d.opportunities.push(o);
    }, true, {adds: true});
  }}, el("label", {}, tr("opportunities.title_field"), el("input", {name: "title", required: true})),
     el("label", {}, tr("opportunities.step"), el("select", {name: "step"}, el("option", {value: ""}, "–"), J.doc.steps.map((s) => el("option", {value: s.id}, s.name)))),
     el("button", {type: "submit", class: "primary"}, tr("opportunities.add"))) : null;
  root.replaceChildren(keepTyped(root.querySelector("#new-opportunity"), form),
    el("h2", {}, tr("opportunities.matrix")), el("p", {class: "muted"}, tr("opportunities.matrix_hint")),
    el("div", {class: "matrix-wrap"}, el("span", {class: "axis y"}, tr("opportunities.impact") + " ↑"), matrix, el("span", {class: "axis x"}, tr("opportunities.effort") + " →")),
    el("h2", {}, tr("opportunities.board")), columns);
  root.removeAttribute("aria-busy");
}

function openOpportunity(k) {
  const drawer = document.getElementById("drawer");
  const o = J.doc.opportunities[k];
  const p = (name) => `opportunities.${k}.${name}`;
  drawer.replaceChildren(
    drawerHeader(drawer, o.title),
    el("div", {class: "drawer-body"},
      el("label", {}, tr("opportunities.title_field"), field(p("title"), () => o.title, (v) => { o.title = v; })),
      el("label", {}, tr("editor.description"), field(p("description"), () => o.description, (v) => { o.description = v || undefined; }, {multiline: true})),
      el("label", {}, tr("opportunities.step"), select(p("step"), [["", "–"], ...J.doc.steps.map((s) => [s.id, s.name])], o.step || "",
        (v) => J.change((d) => { if (v) d.opportunities[k].step = v; else delete d.opportunities[k].step; }))),
      el("label", {}, tr("editor.owner"), field(p("owner"), () => o.owner, (v) => { o.owner = v || undefined; })),
      el("label", {}, tr("opportunities.due"), field(p("due"), () => o.due, (v) => { o.due = v || undefined; }, {placeholder: "2027-01-31"})),
      el("label", {}, "KPI", field(p("kpi"), () => o.kpi, (v) => { o.kpi = v || undefined; })),
      el("label", {}, tr("opportunities.expected_effect"), field(p("expected_effect"), () => o.expected_effect, (v) => { o.expected_effect = v || undefined; })),
      BOOT.can_edit ? el("button", {type: "button", class: "danger", onclick: () => { if (confirm(tr("editor.confirm_delete", {name: o.title}))) { drawer.hidden = true; J.change((d) => { d.opportunities.splice(k, 1); }); } }}, tr("editor.delete")) : null,
      commentsBlock("opportunity:" + o.id)));
  drawer.hidden = false;
}

/* --- workshop mode: the map full screen, ideas captured as sticky notes onto steps ----------------------------- */

function renderWorkshop(root) {
  const opps = J.doc.opportunities || [];
  const stages = J.doc.stages.map((stage) => el("section", {class: "stage"},
    el("header", {class: "stage-head"}, stage.name),
    el("div", {class: "stage-body"}, J.doc.steps.filter((s) => s.stage === stage.id).map((s) => dropZone(
      {class: "step ws-step", "data-step": s.id}, (id) => setOpp(id, {step: s.id}),
      el("strong", {}, s.name),
      el("div", {class: "notes"}, opps.map((o, k) => [o, k]).filter(([o]) => o.step === s.id).map(([o, k]) => {
        const note = oppCard(o, k, true);
        note.classList.add("sticky");
        if (W.state) note.append(voteControls(o));
        return note;
      })))))));
  const capture = BOOT.can_edit ? keepTyped(root.querySelector("#capture"), captureForm()) : null;
  root.replaceChildren(capture, el("div", {class: "stages"}, stages));
  root.removeAttribute("aria-busy");
}

/** The facilitator's form that puts an idea onto a step. */
function captureForm() {
  const options = () => J.doc.steps.map((s) => el("option", {value: s.id}, s.name));
  return el("form", {class: "capture", id: "capture", onsubmit: (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const title = f.idea.value.trim();
    if (!title) return;
    f.idea.value = "";  // before the redraw, which keeps what the form holds (the step stays for the next idea)
    const step = f.step.value;
    J.change((d) => {
      d.opportunities = d.opportunities || [];
      d.opportunities.push({id: slug(title, new Set(d.opportunities.map((x) => x.id))), title, step, status: "idea"});
    }, true, {adds: true});
    document.querySelector("#capture [name=idea]").focus();
  }}, el("select", {name: "step", "aria-label": tr("opportunities.step")}, options()),
     el("input", {name: "idea", placeholder: tr("workshop.idea"), "aria-label": tr("workshop.idea"), autocomplete: "off"}),
     el("button", {type: "submit", class: "primary"}, tr("workshop.add")));
}

/* --- the workshop's timer and dot-voting (shared by everyone on the page, live) ------------------------------ */

const W = {
  state: null, endsAt: null,

  async load() {
    const r = await api("GET", `/api/v1/journeys/${J.id}/workshop`);
    if (r.ok) this.set(r.data);
  },

  set(data) {
    this.state = data;
    this.endsAt = data.timer ? Date.now() + data.timer.remaining * 1000 : null;
    this.tick();
    if (J.doc) J.render();
  },

  tick() {
    const box = document.getElementById("timer");
    if (!box || !this.state) return;
    if (this.endsAt === null) { box.textContent = "–"; box.className = "timer"; }
    else {
      const left = Math.max(0, Math.ceil((this.endsAt - Date.now()) / 1000));
      box.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      box.className = "timer running" + (left === 0 ? " done" : "");
      box.title = left === 0 ? tr("workshop.time_up") : "";
    }
    const dots = document.getElementById("dots-left");
    if (dots) dots.textContent = tr("workshop.dots_left", {n: this.state.left});
  },
};

/** The dots on one idea, and buttons to put one of yours on it or take one back. */
function voteControls(o) {
  const n = (W.state.votes || {})[o.id] || 0;
  const mine = (W.state.mine || {})[o.id] || 0;
  const act = (method, url, body) => async (e) => {
    e.stopPropagation();
    const r = await api(method, url, body);
    if (r.ok) W.set(r.data); else toast(errorText(r));
  };
  return el("div", {class: "votes", "data-votes": o.id, "data-count": n},
    el("span", {class: "dots", title: String(n)}, n ? "●".repeat(Math.min(n, 12)) + (n > 12 ? ` ${n}` : "") : ""),
    el("button", {type: "button", class: "vote", "data-vote": o.id, title: tr("workshop.vote"), disabled: W.state.left <= 0,
                  onclick: act("POST", `/api/v1/journeys/${J.id}/workshop/votes`, {idea: o.id})}, "+●"),
    mine ? el("button", {type: "button", class: "unvote", "data-unvote": o.id, title: tr("workshop.unvote"),
                         onclick: act("DELETE", `/api/v1/journeys/${J.id}/workshop/votes/${encodeURIComponent(o.id)}`)}, "−") : null);
}

function startWorkshopTools(box) {
  W.load();
  setInterval(() => W.tick(), 1000);
  Live.on("workshop", (ev) => { if (ev.id === J.id) W.load(); });
  box.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    const base = `/api/v1/journeys/${J.id}/workshop`;
    let r = null;
    if (b.dataset.timer) r = await api("PUT", base + "/timer", {seconds: Number(b.dataset.timer)});
    else if (b.dataset.action === "stop-timer") r = await api("DELETE", base + "/timer");
    else if (b.dataset.action === "new-round" && confirm(tr("workshop.confirm_round"))) r = await api("PUT", base + "/round", {dots: 3});
    if (r) { if (r.ok) W.set(r.data); else toast(errorText(r)); }
  });
}

/* --- wiring the journey pages ------------------------------------------------------------------------------- */

/** Whether the focus is in a field bound to the journey (``data-path``), or an edit of the journey is not saved yet. */
function editingField() {
  const a = document.activeElement;
  return Boolean(a && a.dataset && a.dataset.path) || J.others > 0 || J.additions.length > 0;
}

function startJourneyPage(root) {
  const mode = root.dataset.mode;
  J.render = () => {
    const a = document.activeElement;
    const focused = a && a.dataset && a.dataset.path ? `[data-path="${CSS.escape(a.dataset.path)}"]`
      : a && a.form && a.form.id && a.name ? `#${CSS.escape(a.form.id)} [name="${CSS.escape(a.name)}"]` : null;
    const caret = a && typeof a.selectionStart === "number" ? [a.selectionStart, a.selectionEnd] : null;
    if (mode === "opportunities") renderOpportunities(root);
    else if (mode === "workshop") renderWorkshop(root);
    else renderEditor(root);
    const again = focused ? document.querySelector(focused) : null;
    if (again) {
      again.focus();
      if (caret && typeof again.setSelectionRange === "function") try { again.setSelectionRange(...caret); } catch (e) { /* not a text field */ }
    }
  };
  J.load();
  Live.on("journey", (ev) => {
    if (ev.id === J.id && ev.kind === "deleted") {
      if (!J.deleting) { toast(tr("editor.deleted_elsewhere", {who: ev.by})); setTimeout(() => { location.href = "/"; }, 1500); }
      return;
    }
    if (ev.id !== J.id || ev.etag === J.etag || J.saving) return;
    // a field of the journey being edited keeps the page's version: the edit meets the new one on save (a clear
    // conflict, nothing lost); a form for something new (an idea, a comment) keeps its text across the redraw
    if (editingField()) return;
    toast(tr("editor.updated_by", {who: ev.by}));
    J.load();
  });
  Live.on("comment", (ev) => { if (ev.id === J.id) refreshComments(); });
  Live.on("reopen", () => { if (!J.saving && !editingField()) J.load(); });  // J.load also loads the comments
  const tools = document.getElementById("workshop-tools");
  if (tools) startWorkshopTools(tools);
  const fs = document.getElementById("fullscreen");
  if (fs) fs.addEventListener("click", () => document.documentElement.requestFullscreen && document.documentElement.requestFullscreen());
}

/* ------------------------------------------------------------------------------------------------------------
 * The other pages.
 * ---------------------------------------------------------------------------------------------------------- */

async function startJourneysList(table) {
  const lang = document.documentElement.lang;
  let leaving = false;
  for (const row of table.querySelectorAll("tr[data-journey]")) {
    api("GET", `/api/v1/journeys/${row.dataset.journey}/health`).then((r) => {
      if (!r.ok) return;
      const h = r.data;
      const cell = (k) => row.querySelector(`[data-h="${k}"]`);
      const noData = tr("health.no_data");
      cell("conversion").textContent = h.has_data ? formatShare(h.conversion) : noData;
      cell("trend").textContent = h.trend === null ? "–" : (h.trend > 0 ? "▲ +" : h.trend < 0 ? "▼ " : "") + formatShare(h.trend);
      cell("trend").className = h.trend > 0 ? "up" : h.trend < 0 ? "down" : "";
      cell("nps").textContent = h.nps === null ? "–" : `${formatNumber(h.nps, 0)} (n = ${h.nps_n})`;
      cell("sentiment").textContent = h.sentiment === null ? "–" : formatNumber(h.sentiment, 2);
      if (h.findings === null || h.findings === undefined) cell("findings").textContent = "–";
      else cell("findings").replaceChildren(el("a", {href: `/journeys/${row.dataset.journey}/findings`, "data-findings": h.findings,
        title: tr("tabs.findings")}, formatNumber(h.findings, 0)));
      cell("open_pain_points").textContent = `${h.open_pain_points}` + (h.severe_pain_points ? ` · ${tr("health.severe", {n: h.severe_pain_points})}` : "");
      const days = h.days_since_change;
      cell("changed").textContent = days === null ? "–" : days === 0 ? tr("health.today") : tr("health.days_ago", {n: days});
      if (h.review_overdue) cell("changed").append(el("span", {class: "badge warn"}, tr("health.overdue")));
      else if (days !== null && days > 90) cell("changed").append(el("span", {class: "badge"}, tr("health.stale")));
    });
  }
  void lang;
  const form = document.getElementById("new-journey");
  if (form) {
    idFollows(form, form.elements.title, BOOT.journeys);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const f = form.elements;
      leaving = true;  // the new journey's live event must not reload this page under the navigation
      const r = await api("POST", "/api/v1/journeys", {id: f.id.value, title: f.title.value, template: f.template.value});
      if (r.ok) location.href = `/journeys/${r.data.id}`;
      else { leaving = false; form.querySelector("[data-error]").textContent = errorText(r); }
    });
  }
  followElsewhere("journey", (ev) => !leaving && (ev.kind === "deleted" || !(BOOT.journeys || []).includes(ev.id)),
                  "journeys.list_changed");
  const bin = document.getElementById("bin");
  if (bin) startBin(bin, "journey");
}

/** The deleted journeys (or personas) with who deleted them and a button that restores each. */
async function startBin(box, type) {
  const r = await api("GET", "/api/v1/trash");
  const rows = (r.ok ? r.data : []).filter((t) => t.type === type);
  box.hidden = rows.length === 0;
  box.querySelector("ul").replaceChildren(...rows.map((t) => el("li", {"data-deleted": t.id},
    el("strong", {}, t.title), " ", el("span", {class: "muted"}, tr("journeys.deleted_by", {who: t.deleted_by, date: t.deleted_at.slice(0, 16).replace("T", " ")})),
    BOOT.can_edit ? el("button", {type: "button", "data-restore-deleted": t.id, onclick: async () => {
      const back = await api("POST", t.restore);
      if (back.ok) { toast(tr("journeys.restored", {title: t.title})); location.reload(); } else toast(errorText(back));
    }}, tr("journeys.restore")) : null)));
}

function startRevisions(list) {
  list.addEventListener("click", async (e) => {
    const n = e.target.dataset && e.target.dataset.restore;
    if (!n || !confirm(tr("revisions.confirm_restore", {n}))) return;
    const r = await api("POST", `/api/v1/journeys/${BOOT.journey}/revisions/${n}/restore`);
    if (r.ok) { toast(tr("revisions.restored", {n})); location.reload(); } else toast(errorText(r));
  });
  Live.on("journey", (ev) => { if (ev.id === BOOT.journey) location.reload(); });
}

async function startShares(list) {
  const load = async () => {
    const r = await api("GET", `/api/v1/journeys/${BOOT.journey}/shares`);
    const rows = r.ok ? r.data : [];
    list.replaceChildren(...(rows.length ? rows.map((s) => el("li", {"data-share": s.id},
      s.live ? el("a", {href: s.url, target: "_blank", rel: "noopener"}, s.url) : el("span", {class: "muted"}, tr("share.revoked")),
      " ", el("span", {class: "muted"}, tr("share.expires", {date: s.expires_at.slice(0, 10)})),
      s.with_data ? el("span", {class: "badge"}, tr("share.with_data")) : null,
      s.live && BOOT.can_edit ? el("button", {type: "button", class: "danger", onclick: async () => { await api("DELETE", `/api/v1/shares/${s.id}`); load(); }}, tr("share.revoke")) : null))
      : [el("li", {class: "muted"}, tr("share.none"))]));
  };
  const form = document.getElementById("new-share");
  if (form) form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", `/api/v1/journeys/${BOOT.journey}/shares`, {days: Number(form.elements.days.value), with_data: form.elements.with_data.checked});
    if (!r.ok) toast(errorText(r));
    load();
  });
  load();
}

function table(columns, rows) {
  return el("table", {class: "data"}, el("thead", {}, el("tr", {}, columns.map((c) => el("th", {}, c)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, typeof v === "number" ? formatNumber(v, 3) : (v ?? "–")))))));
}

async function startInsights() {
  const out = (name) => document.querySelector(`[data-result="${name}"]`);
  const show = (name, r, draw) => {
    if (!r.ok) { out(name).textContent = errorText(r); return; }
    out(name).replaceChildren(...draw(r.data));
  };
  const frames = (data) => Object.entries(data).map(([name, f]) => el("div", {}, el("h3", {}, name), table(f.columns, f.rows)));
  document.getElementById("run-funnel").addEventListener("click", async () => {
    const steps = [...document.querySelectorAll('#funnel-builder input[name="step"]:checked')].map((i) => i.value);
    out("funnel").textContent = tr("insights.loading");
    show("funnel", await api("POST", `/api/v1/journeys/${BOOT.journey}/funnel`, {steps}), frames);
  });
  api("GET", `/api/v1/journeys/${BOOT.journey}/overlay`).then((r) => show("conformance", r, (ov) => {
    const c = ov.conformance;
    if (!c) return [el("p", {class: "muted"}, "–")];
    return [el("p", {}, `${tr("insights.following")}: `, el("strong", {}, formatShare(c.journeys_following_design))),
      el("p", {}, `${tr("insights.fitness")}: `, el("strong", {}, formatShare(c.fitness))),
      el("h3", {}, tr("insights.undesigned")), table(["→", "", "n"], c.undesigned.map((f) => [f.source, f.target, f.customers])),
      el("h3", {}, tr("insights.never_seen")), el("p", {}, c.never_seen_steps.join(", ") || "–")];
  }));
  api("GET", `/api/v1/journeys/${BOOT.journey}/paths`).then((r) => show("paths", r, frames));
  api("GET", `/api/v1/journeys/${BOOT.journey}/feedback`).then((r) => show("feedback", r, (fb) => [
    table(["metric", "step", "n", "value", "low", "high"], fb.metrics.map((m) => [m.metric, m.group, m.n, m.value, m.low, m.high])),
    ...Object.entries(fb.themes).map(([step, th]) => el("div", {class: "themes", "data-themes": step}, el("h3", {}, step),
      el("p", {}, el("strong", {}, tr("insights.negative") + ": "), th.negative.map((t) => `${t.phrase || t.label || JSON.stringify(t)} (${t.count ?? t.n ?? ""})`).join(" · ") || "–"),
      el("p", {}, el("strong", {}, tr("insights.positive") + ": "), th.positive.map((t) => `${t.phrase || t.label || JSON.stringify(t)} (${t.count ?? t.n ?? ""})`).join(" · ") || "–")))]));
}

async function startPersonas(root) {
  const r = await api("GET", "/api/v1/personas");
  const cards = [];
  const held = {};  // persona id → the version this page shows (its own saves come back on the live stream)
  const saving = new Set();
  let followed = () => {};
  for (const p of r.ok ? r.data : []) {
    const g = await api("GET", `/api/v1/personas/${p.id}`);
    const doc = g.data;
    let etag = (g.headers.get("ETag") || "").replace(/"/g, "");
    held[p.id] = etag;
    const save = async () => {
      saving.add(p.id);
      const s = await api("PUT", `/api/v1/personas/${p.id}`, doc, {"If-Match": `"${etag}"`});
      saving.delete(p.id);
      setTimeout(() => followed(), 0);  // news that waited for this save
      if (s.ok) { etag = s.data.etag; held[p.id] = etag; toast(tr("editor.saved", {n: ""}).replace(/\s*\(.*\)/, "")); showProblems([]); }
      else if (s.status === 422) showProblems(s.data.error.details.diagnostics);
      else toast(errorText(s));
    };
    const input = (key, multiline) => el(multiline ? "textarea" : "input", {value: doc[key] || "", disabled: !BOOT.can_edit, "data-path": key,
      oninput: (e) => { doc[key] = e.target.value || undefined; }, onchange: save});
    const listField = (key) => el("textarea", {disabled: !BOOT.can_edit, "data-path": key, value: (doc[key] || []).map((x) => item(x).text).join("\n"),
      onchange: (e) => { const lines = e.target.value.split("\n").map((x) => x.trim()).filter(Boolean); if (lines.length) doc[key] = lines; else delete doc[key]; save(); }});
    cards.push(el("article", {class: "card persona", "data-persona": p.id},
      BOOT.can_edit ? el("button", {type: "button", class: "danger corner", "data-action": "delete-persona", title: tr("personas.delete"),
        onclick: () => deletePersona(p, () => etag)}, tr("personas.delete")) : null,
      el("label", {}, tr("personas.name"), input("name")),
      el("label", {}, tr("personas.role"), el("select", {disabled: !BOOT.can_edit, "data-path": "role", onchange: (e) => { doc.role = e.target.value; save(); }},
        ROLES.map((role) => el("option", {value: role, selected: (doc.role || "customer") === role ? "selected" : null}, tr("role." + role))))),
      el("label", {}, tr("editor.description"), input("description", true)),
      el("label", {}, tr("persona.quote"), input("quote")),
      el("label", {}, tr("persona.goals"), listField("goals")),
      el("label", {}, tr("persona.motivations"), listField("motivations")),
      el("label", {}, tr("persona.frustrations"), listField("frustrations")),
      el("fieldset", {}, el("legend", {}, tr("persona.channels")), (BOOT.channels || []).map((c) => el("label", {class: "check"},
        el("input", {type: "checkbox", disabled: !BOOT.can_edit, checked: (doc.channels || []).includes(c), onchange: (e) => {
          const set = new Set(doc.channels || []);
          if (e.target.checked) set.add(c); else set.delete(c);
          doc.channels = BOOT.channels.filter((x) => set.has(x));
          save();
        }}), c)))));
  }
  root.replaceChildren(...cards);
  root.removeAttribute("aria-busy");
  const bin = document.getElementById("persona-bin");
  if (bin) startBin(bin, "persona");
  followed = followElsewhere("persona", (ev) => !(ev.kind === "saved" && (saving.has(ev.id) || held[ev.id] === ev.etag)),
                             "personas.changed_elsewhere", () => saving.size > 0);
}

/** Show the page anew when ``type`` changes elsewhere (``isNews(event)``; and after a lost live stream), but never
 * under someone typing or a save on its way (``busy()``): meanwhile a toast says who changed what, and the page is
 * shown anew once they leave the field. Returns the check to call when ``busy()`` may have become false. */
function followElsewhere(type, isNews, message, busy = () => false) {
  let stale = false;
  const typing = () => {
    if (busy()) return true;
    const a = document.activeElement;
    if (a && ["INPUT", "TEXTAREA", "SELECT"].includes(a.tagName) && !a.closest("header")) return true;
    return [...document.querySelectorAll("form.new-journey")].some((f) =>
      [...f.elements].some((e) => ["name", "title", "id"].includes(e.name) && e.value.trim()));
  };
  const reload = () => location.reload();
  const check = () => { if (stale && !typing()) reload(); };
  document.addEventListener("focusout", () => setTimeout(check, 0));
  document.addEventListener("input", check);
  Live.on(type, (ev) => {
    if (!isNews(ev)) return;
    if (!typing()) { reload(); return; }
    if (!stale) toast(tr(message, {who: ev.by || "?"}));
    stale = true;
  });
  Live.on("reopen", () => { if (typing()) stale = true; else reload(); });
  return check;
}

async function deletePersona(p, etag) {
  if (!confirm(tr("personas.confirm_delete", {name: p.name}))) return;
  const r = await api("DELETE", `/api/v1/personas/${p.id}`, undefined, {"If-Match": `"${etag()}"`});
  if (r.ok) location.reload(); else toast(errorText(r));
}

function startNewPersona(form) {
  idFollows(form, form.elements.name, BOOT.personas);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = form.elements;
    const r = await api("POST", "/api/v1/personas", {id: f.id.value, name: f.name.value, role: f.role.value});
    if (r.ok) { toast(tr("personas.created", {name: f.name.value})); location.reload(); }
    else form.querySelector("[data-error]").textContent = errorText(r);
  });
}

async function startCustomer(box) {
  if (!BOOT.customer) return;
  const r = await api("GET", `/api/v1/customers/${encodeURIComponent(BOOT.customer)}`);
  if (!r.ok) { box.textContent = errorText(r); return; }
  const c = r.data;
  if (!c.timeline.length) { box.textContent = tr("customers.none"); return; }
  box.replaceChildren(el("h2", {}, c.customer_id), el("p", {}, `${tr("customers.channels")}: ${c.channels.join(", ")}`),
    el("ol", {class: "timeline"}, c.timeline.map((t) => el("li", {class: "t-" + t.kind},
      el("time", {}, t.ts), " ", el("span", {class: "badge"}, t.channel || t.kind), " ", el("strong", {}, t.what),
      t.step ? el("span", {class: "muted"}, " · " + t.step) : null, t.text ? el("p", {}, t.text) : null))));
}

async function startAdmin(tableNode) {
  const body = tableNode.querySelector("tbody");
  const load = async () => {
    const r = await api("GET", "/api/v1/users");
    body.replaceChildren(...(r.ok ? r.data : []).map((u) => el("tr", {"data-user": u.name}, el("td", {}, u.name),
      el("td", {}, el("select", {disabled: u.name === BOOT.user, onchange: async (e) => { const s = await api("PATCH", `/api/v1/users/${u.name}`, {role: e.target.value}); if (!s.ok) toast(errorText(s)); load(); }},
        ["viewer", "editor", "admin"].map((role) => el("option", {value: role, selected: u.role === role ? "selected" : null}, tr("roles." + role))))),
      el("td", {}, el("input", {type: "checkbox", checked: u.active, disabled: u.name === BOOT.user, onchange: async (e) => { await api("PATCH", `/api/v1/users/${u.name}`, {active: e.target.checked}); load(); }})))));
  };
  const form = document.getElementById("new-user");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = form.elements;
    const r = await api("POST", "/api/v1/users", {name: f.name.value, password: f.password.value, role: f.role.value});
    form.querySelector("[data-error]").textContent = r.ok ? "" : errorText(r);
    if (r.ok) form.reset();
    load();
  });
  load();
}

async function startSettings(list) {
  const load = async () => {
    const r = await api("GET", "/api/v1/tokens");
    list.replaceChildren(...(r.ok ? r.data : []).map((t) => el("li", {}, `${t.label || "#" + t.id} · ${t.created_at.slice(0, 10)}`,
      t.revoked ? el("span", {class: "muted"}, " · " + tr("share.revoked")) : el("button", {type: "button", class: "danger", onclick: async () => { await api("DELETE", `/api/v1/tokens/${t.id}`); load(); }}, tr("settings.revoke")))));
  };
  document.getElementById("new-token").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("POST", "/api/v1/tokens", {label: e.target.elements.label.value});
    if (r.ok) { const box = document.getElementById("token-once"); box.querySelector("code").textContent = r.data.token; box.hidden = false; }
    load();
  });
  const m = await api("GET", "/api/v1/me/mentions");
  document.getElementById("mentions").replaceChildren(...(m.ok ? m.data : []).map((c) => el("li", {},
    el("a", {href: `/journeys/${c.journey}`}, c.journey), ` · ${c.author}: ${c.body}`)));
  load();
}

document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("editor");
  if (editor) startJourneyPage(editor);
  const journeys = document.getElementById("journeys");
  if (journeys) startJourneysList(journeys);
  const revisions = document.getElementById("revisions");
  if (revisions) startRevisions(revisions);
  const shares = document.getElementById("shares");
  if (shares) startShares(shares);
  if (document.getElementById("funnel-builder")) startInsights();
  const personas = document.getElementById("personas");
  if (personas) startPersonas(personas);
  const newPersona = document.getElementById("new-persona");
  if (newPersona) startNewPersona(newPersona);
  const timeline = document.getElementById("timeline");
  if (timeline) startCustomer(timeline);
  const users = document.getElementById("users");
  if (users) startAdmin(users);
  const tokens = document.getElementById("tokens");
  if (tokens) startSettings(tokens);
  const kinds = document.getElementById("finding-kinds");
  if (kinds) kinds.addEventListener("change", () => kinds.submit());
  const map = document.getElementById("living-map");
  if (map) Live.on("journey", (ev) => { if (ev.id === BOOT.journey) map.contentWindow.location.reload(); });
});
