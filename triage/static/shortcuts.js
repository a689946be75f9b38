// Keyboard shortcuts of the inbox and the item page (documented in docs/agents.md).
// Inbox: j/k move the highlight over the rows, Enter (or o) opens the highlighted item; the
// page's order is remembered so that j/k on an item page go to the next/previous one.
// Item page: a assign to me, r resolve, e focus the triage panel, ? help. Keys typed into a
// field, or pressed with Ctrl, Alt or Meta, are left alone.
(function () {
  "use strict";
  var ORDER_KEY = "triage.inbox.order";

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function remembered() {
    try { return JSON.parse(sessionStorage.getItem(ORDER_KEY) || "[]"); } catch (e) { return []; }
  }

  function itemUrl(id) { return "/board/items/" + id; }

  function inbox(rows) {
    var ids = rows.map(function (row) { return row.getAttribute("data-item-id"); });
    sessionStorage.setItem(ORDER_KEY, JSON.stringify(ids));
    var current = -1;
    function highlight(index) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (row, n) {
        row.classList.toggle("table-active", n === current);
        row.setAttribute("aria-selected", n === current ? "true" : "false");
      });
      rows[current].scrollIntoView({ block: "nearest" });
    }
    return function (key) {
      if (key === "j") { highlight(current + 1); return true; }
      if (key === "k") { highlight(current - 1); return true; }
      if ((key === "Enter" || key === "o") && current >= 0) { window.location.href = itemUrl(ids[current]); return true; }
      return false;
    };
  }

  function itemPage(panel) {
    var id = panel.getAttribute("action").split("/").slice(-2)[0];
    var help = document.getElementById("shortcuts-help");
    function go(step) {
      var ids = remembered(), at = ids.indexOf(id);
      if (at >= 0 && ids[at + step]) { window.location.href = itemUrl(ids[at + step]); }
    }
    function assignToMe() {
      var me = panel.getAttribute("data-me");
      var mine = (panel.getAttribute("data-my-teams") || "").split(",").filter(Boolean);
      var team = panel.querySelector("select[name=team]");
      if (mine.length && mine.indexOf(team.value) < 0) { team.value = mine[0]; }
      panel.querySelector("select[name=assignee]").value = me;
      panel.requestSubmit();
    }
    return function (key) {
      if (key === "j") { go(1); return true; }
      if (key === "k") { go(-1); return true; }
      if (key === "a") { assignToMe(); return true; }
      if (key === "r") { panel.querySelector("select[name=status]").value = "resolved"; panel.requestSubmit(); return true; }
      if (key === "e") { panel.querySelector("select, input:not([type=hidden])").focus(); return true; }
      if (key === "?" && help) { help.showModal(); return true; }
      return false;
    };
  }

  // Bulk merge cannot be undone from the inbox: ask first.
  function confirmMerge(form) {
    form.addEventListener("submit", function (event) {
      var action = form.querySelector("select[name=action]");
      var ticked = document.querySelectorAll("input[name=ids][form=bulk]:checked").length;
      if (action && action.value === "merge" && ticked &&
          !window.confirm("Merge the " + ticked + " ticked items into the oldest one? The others are closed as its duplicates.")) {
        event.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var bulk = document.getElementById("bulk");
    if (bulk) { confirmMerge(bulk); }
    var panel = document.getElementById("triage-panel");
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-item-id]"));
    var handle = panel ? itemPage(panel) : rows.length ? inbox(rows) : null;
    if (!handle) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || typing(event)) { return; }
      if (handle(event.key)) { event.preventDefault(); }
    });
    document.documentElement.setAttribute("data-shortcuts", "on");  // listening (tests wait for it)
  });
})();
