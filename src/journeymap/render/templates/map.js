/* journeymap: lane toggles, persona filter, tooltips with the measured figures, print. Written for this map,
   no library; it reads only this page and fetches nothing. */
(function () {
  "use strict";
  var doc = document;
  var tips = JSON.parse(doc.getElementById("jm-tips").textContent || "{}");
  var tooltip = doc.getElementById("jm-tooltip");

  function all(selector, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(selector)); }

  // lanes: a switched-off lane's rows are hidden on every part of the grid
  function showLane(key, on) {
    all('tr.lane[data-lane="' + key + '"]').forEach(function (row) { row.classList.toggle("lane-off", !on); });
  }
  all(".lane-toggles input[data-lane]").forEach(function (box) {
    box.addEventListener("change", function () { showLane(box.getAttribute("data-lane"), box.checked); });
  });
  all('[data-action="all-lanes"]').forEach(function (button) {
    button.addEventListener("click", function () {
      all(".lane-toggles input[data-lane]").forEach(function (box) {
        box.checked = true;
        showLane(box.getAttribute("data-lane"), true);
      });
    });
  });

  // persona: steps the persona does not take are dimmed; its own curve stands out, other personas' fade
  var select = doc.getElementById("jm-persona");
  function filterPersona(pid) {
    var off = {};
    all("th.step[data-col]").forEach(function (th) {
      var who = (th.getAttribute("data-personas") || "").split(" ").filter(Boolean);
      var dim = !!pid && who.length > 0 && who.indexOf(pid) < 0;
      if (dim) { off[th.getAttribute("data-col")] = true; }
      th.setAttribute("aria-disabled", dim ? "true" : "false");
    });
    all(".grid [data-col]").forEach(function (cell) {
      cell.classList.toggle("dimmed", !!off[cell.getAttribute("data-col")]);
    });
    all(".emotion-curve [data-persona], .curve-legend [data-persona]").forEach(function (el) {
      var mine = el.getAttribute("data-persona") === pid;
      el.classList.toggle("faded", !!pid && !mine);
      el.classList.toggle("focus", !!pid && mine);
    });
  }
  if (select) {
    select.addEventListener("change", function () { filterPersona(select.value); });
  }

  // tooltips: the step's figures, written by the renderer in the map's language
  function text(tag, value) { var el = doc.createElement(tag); el.textContent = value; return el; }
  function show(target, x, y) {
    var id = target.getAttribute("data-tip") || target.getAttribute("data-step");
    var tip = tips[id];
    if (!tip) { return; }
    tooltip.textContent = "";
    tooltip.appendChild(text("b", tip.title));
    if (tip.rows.length) {
      var table = doc.createElement("table");
      tip.rows.forEach(function (row) {
        var tr = doc.createElement("tr");
        tr.appendChild(text("td", row[0]));
        tr.appendChild(text("td", row[1]));
        table.appendChild(tr);
      });
      tooltip.appendChild(table);
    }
    tooltip.hidden = false;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = Math.min(x + 14, window.innerWidth - w - 8), top = y + 16;
    if (top + h > window.innerHeight - 8) { top = Math.max(y - h - 12, 8); }
    tooltip.style.left = Math.max(left, 8) + "px";
    tooltip.style.top = top + "px";
    target.setAttribute("aria-describedby", "jm-tooltip");
  }
  function hide() {
    tooltip.hidden = true;
    all('[aria-describedby="jm-tooltip"]').forEach(function (el) { el.removeAttribute("aria-describedby"); });
  }
  function tipTarget(el) {
    return el && el.closest ? el.closest("[data-tip], .emotion-curve g[data-step]") : null;
  }
  // our tooltip replaces the browser's own (the SVG titles stay for readers without script)
  all(".emotion-curve g[data-step] > title").forEach(function (title) {
    if (tips[title.parentNode.getAttribute("data-step")]) { title.parentNode.removeChild(title); }
  });
  doc.addEventListener("mouseover", function (event) {
    var target = tipTarget(event.target);
    if (target) { show(target, event.clientX, event.clientY); } else { hide(); }
  });
  doc.addEventListener("mousemove", function (event) {
    if (!tooltip.hidden && tipTarget(event.target)) { show(tipTarget(event.target), event.clientX, event.clientY); }
  });
  doc.addEventListener("focusin", function (event) {
    var target = tipTarget(event.target);
    if (target) {
      var r = target.getBoundingClientRect();
      show(target, r.left, r.bottom - 8);
    } else { hide(); }
  });
  doc.addEventListener("focusout", hide);
  doc.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });

  // print: the browser prints what is shown, the grid shrunk to the page's width
  function fitForPrint() {
    var widest = 0;
    all("table.grid").forEach(function (t) { widest = Math.max(widest, t.scrollWidth); });
    var page = 1511;  // A3 landscape less 2 × 10 mm, in CSS px
    doc.documentElement.style.setProperty("--jm-print-zoom", widest > page ? String(page / widest) : "1");
  }
  window.addEventListener("beforeprint", fitForPrint);
  all('[data-action="print"]').forEach(function (button) {
    button.addEventListener("click", function () { fitForPrint(); window.print(); });
  });
}());
