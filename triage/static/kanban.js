// Kanban: move cards between status columns by drag and drop or keyboard, through the
// same endpoint as the card's plain form (POST .../status), without reloading the page.
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board || !window.fetch) { return; }  // the plain forms keep working
  var live = document.getElementById("kanban-status");
  var columns = Array.prototype.slice.call(board.querySelectorAll(".kanban-column"));
  var tokenField = board.querySelector("input[name=csrf_token]");
  if (!tokenField) { return; }  // read-only users: nothing to move
  var token = tokenField.value;

  function say(text) { live.textContent = text; }

  function columnOf(status) {
    return columns.filter(function (c) { return c.dataset.status === status; })[0];
  }

  function move(card, status) {
    var target = columnOf(status);
    if (!target || card.dataset.status === status) { return Promise.resolve(); }
    card.setAttribute("aria-busy", "true");
    return fetch(card.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({status: status}).toString()
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || "Not moved"); }
        return data;
      });
    }).then(function (data) {
      var source = columnOf(card.dataset.status);
      place(card, target.querySelector(".kanban-cards"));
      count(source, -1);
      count(target, 1);
      card.dataset.status = data.status;
      var select = card.querySelector("select[name=status]");
      if (select) { select.value = data.status; }
      card.focus();
      say("#" + data.id + " moved to " + data.label + ".");
    }).catch(function (error) {
      say("#" + card.dataset.id + " was not moved: " + error.message);
    }).then(function () { card.removeAttribute("aria-busy"); });
  }

  // The moved card goes where the column's priority order puts it (P1 first; ties: after the others).
  function place(card, cards) {
    var after = Array.prototype.slice.call(cards.querySelectorAll(".kanban-card")).filter(function (other) {
      return other !== card && other.dataset.rank > card.dataset.rank;
    })[0];
    cards.insertBefore(card, after || null);
  }

  function count(column, change) {
    var badge = column && column.querySelector(".kanban-count");
    if (!badge) { return; }
    var value = parseInt(badge.dataset.count, 10) + change;
    badge.dataset.count = value;
    badge.textContent = value + (badge.dataset.more || "");
  }

  function neighbour(card, offset) {
    var index = columns.indexOf(columnOf(card.dataset.status)) + offset;
    return columns[index] ? columns[index].dataset.status : null;
  }

  board.querySelectorAll(".kanban-card").forEach(function (card) {
    var form = card.querySelector(".kanban-form");
    var buttons = card.querySelector(".kanban-buttons");
    if (form) { form.hidden = true; }
    if (buttons) { buttons.hidden = false; }
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.dataset.id);
      event.dataTransfer.effectAllowed = "move";
    });
    card.addEventListener("keydown", function (event) {
      if (event.target !== card) { return; }
      var offset = event.key === "ArrowLeft" ? -1 : event.key === "ArrowRight" ? 1 : 0;
      var status = offset && neighbour(card, offset);
      if (status) { event.preventDefault(); move(card, status); }
    });
    card.querySelectorAll("[data-move]").forEach(function (button) {
      button.addEventListener("click", function () {
        var status = neighbour(card, parseInt(button.dataset.move, 10));
        if (status) { move(card, status); }
      });
    });
  });

  columns.forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      var id = event.dataTransfer.getData("text/plain");
      var card = board.querySelector('.kanban-card[data-id="' + id.replace(/\D/g, "") + '"]');
      if (card) { move(card, column.dataset.status); }
    });
  });
}());
